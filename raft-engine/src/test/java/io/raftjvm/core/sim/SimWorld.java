package io.raftjvm.core.sim;

import com.google.protobuf.ByteString;
import io.raftjvm.core.ConfChanges;
import io.raftjvm.core.EntryId;
import io.raftjvm.core.MemoryStorage;
import io.raftjvm.core.RaftConfig;
import io.raftjvm.core.RaftLogger;
import io.raftjvm.core.RaftMetrics;
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
import io.raftjvm.sim.SimScheduler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The world of the whole-node simulation: {@link SimNode}s on a {@link SimNetwork}, driven one
 * event at a time by a seeded generator: no threads, no sleeps, the same seed gives the same run.
 * Each node is the real runtime, a {@link NodeDriver} with its log writer and applier, on lanes of
 * a {@link SimScheduler} with manual ticks: an event runs a node's lanes (its loop until it is
 * idle, its applier, and its log writer when the seed says the disk is done) and the simulation
 * watches the Readies the driver carries out. This class holds the nodes and drives one node at a
 * time; {@link SimWiring} connects each node's runtime to the network and the invariants; {@link
 * SimCluster} adds faults, queries and the helpers scenarios use.
 */
class SimWorld {
  final long seed;
  final SplittableRandom random;
  final SimNetwork net;
  final SimScheduler scheduler;
  final TreeMap<Long, SimNode> nodes = new TreeMap<>();
  final long[] ids;
  final Invariants invariants;
  final SimWiring wiring;

  /** The latest events, printed when something fails. */
  final ArrayDeque<String> trace = new ArrayDeque<>();

  static final int TRACE_LINES = 60;
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
  int nextCommand;

  /** The clients, if the run has any. */
  SimClients clients;

  /** Sessions idle this long, by the leader's clock in the entries, expire. */
  final long sessionTimeoutMs;

  /** Observer of every node's Ready, for tests that count messages. */
  Consumer<Ready> readyObserver = rd -> {};

  SimWorld(
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
      long self = id;
      b.metrics(
          new RaftMetrics() {
            @Override
            public void campaignStarted(boolean preVote) {
              SimWorld.this.invariants.onCampaign(nodes.get(self), preVote);
            }
          });
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
    this.wiring = new SimWiring(this);
    for (SimNode n : nodes.values()) start(n, List.of());
  }

  RaftLogger logger() {
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

  static String brief(RaftNode.Status st) {
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
  void start(SimNode n, List<Entry> committed) {
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
            wiring.store(n),
            n.stateMachine,
            n.snapshots,
            new SnapshotPolicy(0, 0, 0, sessionTimeoutMs),
            n.lanes,
            TICK_MILLIS,
            n.config.logger());
    n.driver.observeReadies(rd -> wiring.observe(n, rd));
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
    n.driver.start(wiring.transport());
  }

  static final long TICK_MILLIS = 10;

  /**
   * Runs n until it is idle: its loop, then its applier (the state machine is quick), and its log
   * writer when the seed says the disk finished (syncWriteRate), until none of that has work.
   */
  void settle(SimNode n) {
    while (n.up && !n.paused) {
      if (scheduler.runAll(n.loopLane()) > 0) continue;
      if (n.applyStalledUntil <= step && scheduler.runAll(n.applyLane()) > 0) continue;
      if (n.snapshotWorkPending() && scheduler.runAll(n.snapshotLane()) > 0) continue;
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
  <T> CompletableFuture<T> onLoop(SimNode n, Supplier<CompletableFuture<T>> request) {
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

  static String cause(CompletableFuture<?> f) {
    return f.handle((v, t) -> t == null ? "" : String.valueOf(t.getMessage())).join();
  }

  /**
   * Node id snapshots its state machine as of what it applied, then compacts its log up to margin
   * entries before it (the margin serves slow followers from the log). The snapshot goes through
   * the applier, the snapshot finisher and the log writer, which run (with the writes queued
   * before) until done.
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
                  + (n.snapshotWorkPending() ? scheduler.runAll(n.snapshotLane()) : 0)
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
  long lastCommandIndex(int count) {
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
}
