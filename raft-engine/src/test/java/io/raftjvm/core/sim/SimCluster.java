package io.raftjvm.core.sim;

import com.google.protobuf.ByteString;
import io.raftjvm.core.ConfChanges;
import io.raftjvm.core.EntryId;
import io.raftjvm.core.MemoryStorage;
import io.raftjvm.core.RaftConfig;
import io.raftjvm.core.RaftLogger;
import io.raftjvm.core.RaftNode;
import io.raftjvm.core.Ready;
import io.raftjvm.core.Role;
import io.raftjvm.proto.ConfChange;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Message;
import io.raftjvm.runtime.NodeDriver;
import io.raftjvm.runtime.SnapshotPolicy;
import io.raftjvm.runtime.SnapshotStore;
import io.raftjvm.runtime.Transport;
import io.raftjvm.sim.SimScheduler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A cluster of {@link SimNode}s on a {@link SimNetwork}, driven one event at a time by a seeded
 * generator: no threads, no sleeps, the same seed gives the same run. Each node is the real
 * runtime, a {@link NodeDriver} with its log writer and applier, on lanes of a {@link SimScheduler}
 * with manual ticks: an event runs a node's lanes (its loop until it is idle, its applier, and its
 * log writer when the seed says the disk is done) and the simulation watches the Readies the driver
 * carries out.
 */
final class SimCluster {
  final long seed;
  final SplittableRandom random;
  final SimNetwork net;
  final SimScheduler scheduler;
  final TreeMap<Long, SimNode> nodes = new TreeMap<>();
  final long[] ids;
  final Invariants invariants;

  /** The latest events, printed when something fails. */
  private final ArrayDeque<String> trace = new ArrayDeque<>();

  private static final int TRACE_LINES = 60;
  long step;

  /** Probability that a disk write completes as soon as it is handed out. */
  double syncWriteRate = 0.5;

  /** Proposals made, accepted by a leader. */
  long proposed;

  /** Membership changes a leader accepted. */
  long confChanges;

  /** Reads served, and of those by a follower. */
  long readsServed;

  long followerReads;

  /** Pauses, and disk stalls. */
  long pauses;

  long diskStalls;
  long applyStalls;

  /** Snapshots taken by nodes, and snapshots installed from a leader. */
  long snapshotsTaken;

  long snapshotsInstalled;
  private int nextCommand;

  /** The clients, if the run has any. */
  SimClients clients;

  /** Sessions idle this long, by the leader's clock in the entries, expire. */
  final long sessionTimeoutMs;

  /** Observer of every node's Ready, for tests that count messages. */
  Consumer<Ready> readyObserver = rd -> {};

  SimCluster(int size, long seed, Consumer<RaftConfig.Builder> tune) {
    this(size, 0, seed, tune);
  }

  /**
   * size founding voters (ids 1..size) and spares servers (the next ids) that run with an empty log
   * and no configuration until a leader adds them. With spares, the founders bootstrap as a server
   * does, with the founding configuration as entry 1 of the log, so that a joining server learns it
   * from the leader; without, it is stored as the initial snapshot's.
   */
  SimCluster(int size, int spares, long seed, Consumer<RaftConfig.Builder> tune) {
    this(size, spares, seed, tune, io.raftjvm.runtime.ApplyWorker.DEFAULT_SESSION_TIMEOUT_MS);
  }

  /** As above, with client sessions expiring after sessionTimeoutMs idle. */
  SimCluster(
      int size, int spares, long seed, Consumer<RaftConfig.Builder> tune, long sessionTimeoutMs) {
    this.seed = seed;
    this.sessionTimeoutMs = sessionTimeoutMs;
    this.random = new SplittableRandom(seed);
    this.net = new SimNetwork(random.split());
    this.scheduler = new SimScheduler(random.split());
    scheduler.manualTicks = true;
    this.ids = new long[size + spares];
    for (int i = 0; i < ids.length; i++) ids[i] = i + 1L;
    long[] founders = Arrays.copyOf(ids, size);
    ConfState.Builder founding = ConfState.newBuilder();
    for (long id : founders) founding.addVoters(id);
    for (long id : ids) {
      RaftConfig.Builder b =
          RaftConfig.builder(id)
              .electionTicks(10)
              .heartbeatTicks(2)
              .random(random.split())
              .logger(logger());
      tune.accept(b);
      MemoryStorage disk;
      if (spares == 0) {
        disk = MemoryStorage.bootstrap(founders);
      } else {
        disk = new MemoryStorage();
        if (id <= size) {
          disk.append(List.of(ConfChanges.initialEntry(founding.build())));
          disk.setHardState(HardState.newBuilder().setTerm(1).setCommit(1).build());
        }
      }
      nodes.put(id, new SimNode(id, b.build(), disk));
    }
    this.invariants = new Invariants(this);
    for (SimNode n : nodes.values()) start(n, List.of());
  }

  static SimCluster of(int size, long seed) {
    return new SimCluster(size, seed, b -> {});
  }

  private RaftLogger logger() {
    return new RaftLogger() {
      @Override
      public void log(Level level, String line) {
        trace("  log " + level + " " + line);
      }

      @Override
      public boolean isEnabled(Level level) {
        return level != Level.DEBUG;
      }
    };
  }

  /** Violations found where throwing is not possible (inside a state machine), oldest first. */
  final List<String> violations = new ArrayList<>();

  /** Notes a violation; the next invariant check fails with it. */
  void violation(String what) {
    violations.add(what + " (step " + step + ")");
    trace("VIOLATION " + what);
  }

  void trace(String line) {
    if (line.length() > 400) line = line.substring(0, 400) + "...";
    if (trace.size() == TRACE_LINES) trace.removeFirst();
    trace.addLast(line);
  }

  /** Context for a failure: the seed, the step and the latest events. */
  String describe() {
    StringBuilder sb =
        new StringBuilder("seed=" + seed + ", step=" + step + ", nodes=" + ids.length + "\n");
    for (SimNode n : nodes.values()) {
      sb.append("  ").append(n.up ? brief(n.node.status()) : "node " + n.id + " down");
      if (n.up && n.driver.failure() != null) sb.append(" STOPPED: ").append(n.driver.failure());
      sb.append('\n');
    }
    sb.append("latest events:\n");
    for (String t : trace) sb.append("  ").append(t).append('\n');
    return sb.toString();
  }

  private static String brief(RaftNode.Status st) {
    return "node "
        + st.id()
        + " "
        + st.role()
        + " term="
        + st.term()
        + " vote="
        + st.vote()
        + " lead="
        + st.lead()
        + " commit="
        + st.commit()
        + " applied="
        + st.applied()
        + " last="
        + st.lastIndex()
        + " voters="
        + st.conf().getVotersList()
        + " learners="
        + st.conf().getLearnersList()
        + (st.progress().isEmpty() ? "" : " progress=" + st.progress());
  }

  SimNode node(long id) {
    return nodes.get(id);
  }

  // ------------------------------------------------------------------ one node's runtime

  /**
   * Starts an incarnation of n from what its stores hold: a new driver, state machine and lanes;
   * the state machine restored from the latest snapshot, the log after it. committed is the
   * cluster's committed prefix, which holds every entry compacted away here.
   */
  private void start(SimNode n, List<Entry> committed) {
    n.lanes = scheduler.node("node" + n.id, 0);
    n.node = RaftNode.create(n.config, n.disk);
    n.stateMachine = new SimStateMachine();
    SimStateMachine sm = n.stateMachine;
    sm.onAdd =
        (tag, result) -> {
          if (clients != null) {
            clients.onFirstApplied(
                tag,
                result,
                "node " + n.id + " (restart " + n.restarts + ") at index " + sm.applying);
          }
        };
    n.driver =
        new NodeDriver(
            n.id,
            n.node,
            new ObservedStore(n),
            n.stateMachine,
            n.snapshots,
            new SnapshotPolicy(0, 0, 0, sessionTimeoutMs),
            n.lanes,
            TICK_MILLIS,
            n.config.logger());
    n.driver.observeReadies(rd -> observe(n, rd));
    n.up = true;
    long base = n.disk.snapshot().getMetadata().getIndex();
    n.applied.clear();
    n.applied.addAll(committed.subList(0, (int) base));
    n.view.clear();
    RaftNode.Status st = n.node.status();
    n.view.addAll(committed.subList(0, (int) st.firstIndex() - 1));
    if (st.lastIndex() >= st.firstIndex())
      n.view.addAll(n.node.entries(st.firstIndex(), st.lastIndex() + 1));
    n.seenCommit = st.commit();
    n.verifiedCommit = 0;
    n.driver.start(transport());
  }

  private static final long TICK_MILLIS = 10;

  /**
   * The node's transport: into the simulated network; a snapshot's data goes straight into the
   * receiver's store.
   */
  private Transport transport() {
    return new Transport() {
      @Override
      public void send(List<Message> messages) {
        for (Message m : messages) {
          invariants.onNetworkSend(m);
          net.send(m);
        }
      }

      @Override
      public void sendSnapshot(Message m, SnapshotStore.Stored snapshot, Consumer<Boolean> done) {
        SimNode to = nodes.get(m.getTo());
        if (to != null) {
          try (java.io.InputStream in = snapshot.open()) {
            SnapshotStore.Writer w =
                to.snapshots.begin(snapshot.metadata().getIndex(), snapshot.metadata().getTerm());
            w.out().write(in.readAllBytes());
            w.finishReceived(snapshot.metadata(), snapshot.size(), snapshot.crc32c());
          } catch (java.io.IOException e) {
            throw new AssertionError("copying a snapshot in memory failed", e);
          }
        }
        // The transport's feedback once a snapshot has been streamed (lost or not: if it was, the
        // follower's answer to the next probe sends the leader back to the snapshot).
        net.send(m);
        done.accept(true);
      }
    };
  }

  /** Watches a Ready the driver of n is about to carry out. */
  private void observe(SimNode n, Ready rd) {
    readyObserver.accept(rd);
    if (rd.softState() != null) trace("node " + n.id + " is now " + rd.softState());
    if (rd.confState() != null)
      trace(
          "node "
              + n.id
              + " switches to voters "
              + rd.confState().getVotersList()
              + " learners "
              + rd.confState().getLearnersList());
    invariants.onSend(n, rd.sendNow());
    invariants.onSend(n, rd.sendAfterPersist());
    if (rd.snapshot() != null) {
      // The log is now the snapshot (the committed prefix up to its index), then what follows;
      // the state machine becomes the snapshot's.
      int s = (int) rd.snapshot().getMetadata().getIndex();
      n.view.clear();
      n.view.addAll(invariants.committed().subList(0, s));
      n.applied.clear();
      n.applied.addAll(invariants.committed().subList(0, s));
      snapshotsInstalled++;
    }
    if (!rd.toPersist().isEmpty()) {
      long from = rd.toPersist().get(0).getIndex();
      while (n.view.size() >= from) n.view.remove(n.view.size() - 1);
      if (n.view.size() != from - 1) {
        throw new AssertionError(
            "node "
                + n.id
                + " hands out entries from "
                + from
                + " but its log ends at "
                + n.view.size()
                + "\n"
                + describe());
      }
      n.view.addAll(rd.toPersist());
      invariants.onAppended(n, from);
    }
    for (Entry e : rd.toApply()) invariants.onApply(n, e);
  }

  /** The node's log store: its disk, with durable votes reported to the invariants. */
  private final class ObservedStore extends io.raftjvm.runtime.ForwardingStore {
    private final SimNode n;

    ObservedStore(SimNode n) {
      super(n.disk);
      this.n = n;
    }

    @Override
    public void setHardState(HardState hs) {
      super.setHardState(hs);
      invariants.onVoteDurable(n, hs);
    }
  }

  /**
   * Runs n until it is idle: its loop, then its applier (the state machine is quick), and its log
   * writer when the seed says the disk finished (syncWriteRate), until none of that has work.
   */
  void settle(SimNode n) {
    while (n.up && !n.paused) {
      if (scheduler.runAll(n.loopLane()) > 0) continue;
      if (n.applyStalledUntil <= step && scheduler.runAll(n.applyLane()) > 0) continue;
      if (n.writesPending() && random.nextDouble() < syncWriteRate) {
        scheduler.runAll(n.writerLane());
        continue;
      }
      return;
    }
  }

  // ------------------------------------------------------------------ driving one node

  void tick(long id) {
    SimNode n = nodes.get(id);
    if (!n.up) return;
    if (n.paused) {
      n.lanes.tickMissed(); // time passes, the timer does not fire
      return;
    }
    n.lanes.tick();
    settle(n);
  }

  /**
   * Pauses node id for the given steps (SIGSTOP, a long GC): its loop, writer and applier stop;
   * messages, client requests and clock ticks queue up and are handled when it resumes.
   */
  void pause(long id, long steps) {
    SimNode n = nodes.get(id);
    if (!n.up || n.paused) return;
    n.paused = true;
    n.pausedUntil = step + steps;
    pauses++;
    trace(
        "pause "
            + id
            + " for "
            + steps
            + " steps"
            + (n.driver.role() == Role.LEADER ? " (the leader)" : ""));
  }

  /** Node id's disk finishes no write for the given steps (0: until {@link #unstallDisk}). */
  void stallDisk(long id, long steps) {
    SimNode n = nodes.get(id);
    n.diskStalledUntil = steps > 0 ? step + steps : Long.MAX_VALUE;
    diskStalls++;
    trace(
        "disk of "
            + id
            + " stalls"
            + (n.up && n.driver.role() == Role.LEADER ? " (the leader)" : ""));
  }

  void unstallDisk(long id) {
    SimNode n = nodes.get(id);
    n.diskStalledUntil = 0;
    trace("disk of " + id + " recovers");
    if (n.up) settle(n);
  }

  /** Node id's state machine applies nothing for the given steps (a slow apply). */
  void stallApply(long id, long steps) {
    SimNode n = nodes.get(id);
    n.applyStalledUntil = step + steps;
    applyStalls++;
    trace("applier of " + id + " stalls for " + steps + " steps");
  }

  /** Resumes the paused nodes whose pause is over, and the disks and appliers whose stall is. */
  void resumeDue() {
    for (SimNode n : nodes.values()) {
      if (n.diskStalled() && n.diskStalledUntil <= step) unstallDisk(n.id);
      if (n.applyStalledUntil != 0 && n.applyStalledUntil <= step) {
        n.applyStalledUntil = 0;
        if (n.up) settle(n);
      }
    }
    for (SimNode n : nodes.values()) {
      if (n.paused && n.pausedUntil <= step) resume(n.id, random.nextBoolean());
    }
  }

  /**
   * Ends node id's pause. It reads its sockets in no set order: the peers' messages that arrived
   * meanwhile come before the client requests queued meanwhile, or after (peersFirst); the timer's
   * late firings come after both.
   */
  void resume(long id, boolean peersFirst) {
    SimNode n = nodes.get(id);
    n.paused = false;
    trace("resume " + n.id + (peersFirst ? " (peers first)" : " (clients first)"));
    if (n.up) {
      List<Message> held = new ArrayList<>(n.held);
      n.held.clear();
      if (peersFirst && !held.isEmpty()) n.driver.deliver(held);
      settle(n);
      if (!peersFirst && !held.isEmpty()) {
        n.driver.deliver(held);
        settle(n);
      }
      n.lanes.fireMissedTicks();
      settle(n);
    }
  }

  void deliver(Message m) {
    SimNode n = nodes.get(m.getTo());
    if (n == null || !n.up) return;
    if (n.paused) {
      n.held.add(m);
      return;
    }
    trace("deliver " + Invariants.brief(m));
    n.driver.deliver(List.of(m));
    settle(n);
  }

  /**
   * Runs request (a driver call that queues work on n's loop) and that work, and tells whether it
   * was refused by now; the rest of what it set off runs as n settles.
   */
  private <T> CompletableFuture<T> onLoop(SimNode n, Supplier<CompletableFuture<T>> request) {
    settle(n); // the loop is idle, so the request is the next task
    CompletableFuture<T> f = request.get();
    scheduler.runOne(n.loopLane());
    return f;
  }

  /**
   * Proposes on node id; returns null when it is not the leader or refuses (transfer under way, log
   * full).
   */
  EntryId propose(long id, ByteString data) {
    SimNode n = nodes.get(id);
    if (!n.up || n.paused) return null;
    CompletableFuture<?> f = onLoop(n, () -> n.driver.propose(data));
    if (f.isCompletedExceptionally()) {
      settle(n);
      return null;
    }
    RaftNode.Status st = n.node.status();
    EntryId at = new EntryId(st.term(), st.lastIndex());
    proposed++;
    trace("propose on " + id + " -> " + at);
    settle(n);
    return at;
  }

  /** Proposes a membership change on node id; false when it is not the leader or refuses. */
  boolean changeMembership(long id, ConfChange cc) {
    SimNode n = nodes.get(id);
    if (!n.up || n.paused) return false;
    CompletableFuture<?> f = onLoop(n, () -> n.driver.changeMembership(cc));
    if (f.isCompletedExceptionally()) {
      trace(
          "conf change "
              + cc.getType()
              + " "
              + cc.getNodeId()
              + " on "
              + id
              + " refused: "
              + cause(f));
      settle(n);
      return false;
    }
    confChanges++;
    trace(
        "conf change "
            + cc.getType()
            + " "
            + cc.getNodeId()
            + " on "
            + id
            + " -> "
            + n.node.status().lastIndex());
    settle(n);
    return true;
  }

  private static String cause(CompletableFuture<?> f) {
    return f.handle((v, t) -> t == null ? "" : String.valueOf(t.getMessage())).join();
  }

  /**
   * Node id snapshots its state machine as of what it applied, then compacts its log up to margin
   * entries before it (the margin serves slow followers from the log). The snapshot goes through
   * the applier and the log writer, which run (with the writes queued before) until done.
   */
  void snapshot(long id, int margin) {
    SimNode n = nodes.get(id);
    if (!n.up || n.paused) return;
    long before = n.disk.snapshot().getMetadata().getIndex();
    CompletableFuture<Long> f = onLoop(n, () -> n.driver.snapshot(margin));
    for (int guard = 0; !f.isDone() && n.up; guard++) {
      if (guard > 10_000)
        throw new AssertionError("node " + id + " never finishes its snapshot\n" + describe());
      boolean ran =
          scheduler.runAll(n.loopLane())
                  + (n.applyStalledUntil > step ? 0 : scheduler.runAll(n.applyLane()))
                  + (n.diskStalled() ? 0 : scheduler.runAll(n.writerLane()))
              > 0;
      if (!ran) break;
    }
    settle(n);
    long after = n.disk.snapshot().getMetadata().getIndex();
    if (after > before) {
      snapshotsTaken++;
      trace("node " + id + " snapshots at " + after + ", log now starts at " + n.disk.firstIndex());
    }
  }

  /**
   * Node id asks for a linearizable read. The state machine answers with the index of the last
   * command it applied: every command known committed anywhere when the read began must be covered
   * (checked when the answer comes).
   */
  void read(long id) {
    SimNode n = nodes.get(id);
    if (!n.up || n.paused) return;
    long mustSee = lastCommandIndex(invariants.committed().size());
    CompletableFuture<byte[]> f = onLoop(n, () -> n.driver.read(new byte[0]));
    if (f.isCompletedExceptionally()) {
      settle(n);
      return;
    }
    trace("read on " + id + " (commands committed so far: up to " + mustSee + ")");
    f.thenAccept(
        answer -> {
          long seen = java.nio.ByteBuffer.wrap(answer).getLong(8);
          if (seen < mustSee) {
            throw new AssertionError(
                "stale read on node "
                    + n.id
                    + ": its state machine had applied commands up to "
                    + seen
                    + " but the command at "
                    + mustSee
                    + " was known committed when the read began\n"
                    + describe());
          }
          readsServed++;
          if (n.driver.role() != Role.LEADER) followerReads++;
          trace("read on " + id + " served with commands up to " + seen);
        });
    settle(n);
  }

  /** Index of the last client command among the first count committed entries, 0 if none. */
  private long lastCommandIndex(int count) {
    List<Entry> c = invariants.committed();
    for (int i = count - 1; i >= 0; i--) {
      Entry e = c.get(i);
      if (e.getType() == EntryType.ENTRY_NORMAL && !e.getData().isEmpty()) return e.getIndex();
    }
    return 0;
  }

  ByteString nextCommand() {
    return ByteString.copyFromUtf8("cmd-" + nextCommand++);
  }

  /**
   * Has node n's driver carry out whatever the core has for it (after a test called the core
   * directly, between events), then runs n until it is idle.
   */
  void drain(SimNode n) {
    if (!n.up) return;
    n.driver.deliver(List.of());
    settle(n);
  }

  /** Completes node n's pending disk writes and sends what waited for them. */
  void completeWrites(SimNode n) {
    if (!n.up || n.paused || n.diskStalled()) return;
    scheduler.runAll(n.writerLane());
    settle(n);
  }

  /**
   * Crashes node id: whatever it had not written is lost, except that its pending writes may have
   * reached the disk without the node hearing (a crash right after the sync).
   */
  void crash(long id) {
    SimNode n = nodes.get(id);
    if (!n.up) return;
    boolean written = n.writesPending() && random.nextBoolean(); // never through a stalled disk
    if (written) scheduler.runAll(n.writerLane());
    n.lanes.kill();
    n.crashedAt = step;
    n.up = false;
    n.paused = false;
    n.held.clear();
    n.driver = null;
    n.node = null;
    trace("crash " + id + (written ? " (its pending writes reached disk)" : ""));
  }

  void restart(long id) {
    SimNode n = nodes.get(id);
    if (n.up) return;
    n.restarts++;
    start(n, invariants.committed());
    trace("restart " + id + " " + n.node.status());
    invariants.onRestart(n);
    settle(n);
  }

  // ------------------------------------------------------------------ queries

  /** The up node that leads the highest term, if any. */
  SimNode leader() {
    SimNode best = null;
    for (SimNode n : nodes.values()) {
      if (!n.up || n.node.status().role() != Role.LEADER) continue;
      if (best == null || n.node.status().term() > best.node.status().term()) best = n;
    }
    return best;
  }

  List<SimNode> upNodes() {
    List<SimNode> up = new ArrayList<>();
    for (SimNode n : nodes.values()) if (n.up) up.add(n);
    return up;
  }

  /** Delivers messages (and completes writes) until the network is quiet, at most maxEvents. */
  void stabilize(int maxEvents) {
    for (int i = 0; i < maxEvents; i++) {
      boolean pendingWrites = false;
      for (SimNode n : nodes.values()) {
        if (n.writesPending()) {
          completeWrites(n);
          pendingWrites = true;
        }
      }
      if (net.isEmpty()) {
        if (!pendingWrites) return;
        continue;
      }
      Message m = net.next();
      if (m != null) deliver(m);
      invariants.check();
    }
  }

  /** Ticks every up node once, then stabilizes. */
  void tickAll() {
    for (SimNode n : nodes.values()) tick(n.id);
    stabilize(10_000);
  }

  // ------------------------------------------------------------------ scenario helpers

  /**
   * Calls tickAll rounds times: every up node ticks rounds times, with the network drained after
   * each.
   */
  void tickAll(int rounds) {
    for (int i = 0; i < rounds; i++) tickAll();
  }

  /**
   * Calls tickAll until done holds (checked before each round). Returns the rounds it took, each
   * round being one tick per up node, or -1 if done still fails after maxRounds.
   */
  int tickUntil(int maxRounds, BooleanSupplier done) {
    for (int round = 0; round < maxRounds; round++) {
      if (done.getAsBoolean()) return round;
      tickAll();
    }
    return done.getAsBoolean() ? maxRounds : -1;
  }

  /**
   * The lab-style connectivity model: exactly the given nodes can reach one another; every link
   * that touches any other node is cut, both ways. Replaces all earlier cuts.
   */
  void connectOnly(long... connected) {
    net.heal();
    Set<Long> keep = new HashSet<>();
    for (long id : connected) keep.add(id);
    for (long id : ids) if (!keep.contains(id)) net.isolate(id, ids);
    trace("connect only " + Arrays.toString(connected));
  }

  /** Proposes count fresh commands on node id with no drain in between, then drains once. */
  List<EntryId> proposeBatch(long id, int count) {
    SimNode n = nodes.get(id);
    if (n.paused) throw new AssertionError("proposeBatch on paused node " + id);
    settle(n);
    List<CompletableFuture<?>> futures = new ArrayList<>(count);
    for (int i = 0; i < count; i++) futures.add(n.driver.propose(nextCommand()));
    List<EntryId> out = new ArrayList<>(count);
    for (CompletableFuture<?> f : futures) {
      scheduler.runOne(n.loopLane()); // this proposal; the drain it asks for runs after the last
      if (f.isCompletedExceptionally())
        throw new AssertionError("proposal refused: " + cause(f) + "\n" + describe());
      RaftNode.Status st = n.node.status();
      out.add(new EntryId(st.term(), st.lastIndex()));
      proposed++;
    }
    trace("propose " + count + " on " + id + " in one batch");
    settle(n);
    return out;
  }

  /** The entry node n applied at index (since its last restart), or null. */
  static Entry appliedAt(SimNode n, long index) {
    return index >= 1 && index <= n.applied.size() ? n.applied.get((int) index - 1) : null;
  }

  /** How many up nodes applied the entry at (index, term) with this data (the labs' nCommitted). */
  int nApplied(long index, long term, ByteString data) {
    int count = 0;
    for (SimNode n : upNodes()) {
      Entry e = appliedAt(n, index);
      if (e != null && e.getTerm() == term && e.getData().equals(data)) count++;
    }
    return count;
  }

  /**
   * The labs' {@code one()}: proposes data on the leader, proposing again if a later leader lost
   * the entry, until at least expected up nodes applied it. Each round is one tickAll. Returns the
   * entry's index; fails, naming the seed, after maxRounds rounds.
   */
  long one(ByteString data, int expected, int maxRounds) {
    return one(data, expected, maxRounds, this::tickAll);
  }

  /** As {@link #one(ByteString, int, int)}, letting time pass with round instead of tickAll. */
  long one(ByteString data, int expected, int maxRounds, Runnable round) {
    EntryId at = null;
    for (int i = 0; i <= maxRounds; i++) {
      if (at != null && nApplied(at.index(), at.term(), data) >= expected) return at.index();
      SimNode leader = reachableLeader();
      if (leader != null && (at == null || lost(at, leader))) {
        EntryId next = propose(leader.id, data);
        if (next != null) at = next;
        stabilize(10_000);
        continue;
      }
      if (i < maxRounds) round.run();
    }
    throw new AssertionError(
        "proposal "
            + data.toStringUtf8()
            + (at == null ? " was never accepted" : " at " + at)
            + " not applied on "
            + expected
            + " nodes within "
            + maxRounds
            + " rounds\n"
            + describe());
  }

  /**
   * The up leader of the highest term among those whose links reach a majority, both ways, or null.
   */
  private SimNode reachableLeader() {
    SimNode best = null;
    for (SimNode n : upNodes()) {
      RaftNode.Status st = n.node.status();
      if (st.role() != Role.LEADER || (best != null && st.term() <= best.node.status().term()))
        continue;
      int reach = 1;
      for (SimNode o : upNodes()) {
        if (o != n && !net.isCut(n.id, o.id) && !net.isCut(o.id, n.id)) reach++;
      }
      if (reach > ids.length / 2) best = n;
    }
    return best;
  }

  /**
   * The leader every node of group follows (all up, in its term, leader included), or 0. Unlike
   * {@link #leader()}, which may name a deposed leader that has not heard the news yet.
   */
  long agreedLeader(long... group) {
    long lead = 0;
    long term = -1;
    for (long id : group) {
      SimNode n = nodes.get(id);
      if (!n.up) return 0;
      RaftNode.Status st = n.node.status();
      if (st.lead() == 0 || (lead != 0 && (st.lead() != lead || st.term() != term))) return 0;
      lead = st.lead();
      term = st.term();
    }
    boolean inGroup = false;
    for (long id : group) inGroup |= id == lead;
    return inGroup && nodes.get(lead).node.status().role() == Role.LEADER ? lead : 0;
  }

  /** Whether the entry at was dropped: leader is of a later term and its log lacks it. */
  private static boolean lost(EntryId at, SimNode leader) {
    return leader.node.status().term() > at.term()
        && (leader.lastIndex() < at.index() || leader.termAt(at.index()) != at.term());
  }

  /**
   * Lets time pass on an imperfect network: each round, every up node ticks once (in a random
   * order), then {@link #events} runs eventsPerRound events. Unlike tickAll, this advances the
   * network's clock, so messages held back by delayRate come back, late.
   */
  void run(int rounds, int eventsPerRound) {
    for (int r = 0; r < rounds; r++) {
      long[] order = ids.clone();
      for (int i = order.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        long t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      for (long id : order) tick(id);
      invariants.check();
      events(eventsPerRound);
    }
  }

  /**
   * count network events without ticks: each advances the network's clock, then either completes
   * some pending disk writes of a random node or delivers the next message. Invariants are checked
   * after each.
   */
  void events(int count) {
    for (int e = 0; e < count; e++) {
      step++;
      net.advance();
      SimNode n = nodes.get(ids[random.nextInt(ids.length)]);
      if (n.writesPending() && random.nextInt(4) == 0) {
        completeWrites(n);
      } else if (!net.isEmpty()) {
        Message m = net.next();
        if (m != null) deliver(m);
      }
      invariants.check();
    }
  }

  /**
   * Asserts that every up node applied at least index entries and that they applied the same ones
   * (State Machine Safety is checked as entries are applied; this adds completeness).
   */
  void assertAllApplied(long index) {
    List<Entry> reference = null;
    for (SimNode n : upNodes()) {
      if (n.applied.size() < index) {
        throw new AssertionError(
            "node "
                + n.id
                + " applied "
                + n.applied.size()
                + " entries, expected at least "
                + index
                + "\n"
                + describe());
      }
      List<Entry> mine = n.applied.subList(0, (int) index);
      if (reference == null) reference = mine;
      else if (!reference.equals(mine))
        throw new AssertionError("applied logs differ\n" + describe());
    }
  }
}
