package io.raftjvm.core.sim;

import com.google.protobuf.ByteString;
import io.raftjvm.core.ConfChangeRejectedException;
import io.raftjvm.core.ConfChanges;
import io.raftjvm.core.EntryId;
import io.raftjvm.core.MemoryStorage;
import io.raftjvm.core.NotLeaderException;
import io.raftjvm.core.ProposalDroppedException;
import io.raftjvm.core.RaftConfig;
import io.raftjvm.core.RaftLogger;
import io.raftjvm.core.RaftNode;
import io.raftjvm.core.Ready;
import io.raftjvm.core.Role;
import io.raftjvm.proto.ConfChange;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.MessageType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A cluster of {@link SimNode}s on a {@link SimNetwork}, driven one event at a time by a seeded
 * generator: no threads, no sleeps, the same seed gives the same run. Each node's work (its
 * Readies) is carried out as a real owner would: leader traffic sent at once, disk writes completed
 * later (in order), responses sent only after their write, committed entries applied.
 */
final class SimCluster {
  final long seed;
  final SplittableRandom random;
  final SimNetwork net;
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
  /** Reads asked for and not yet served, by context: the node asked, and the commit index known then. */
  private final java.util.Map<ByteString, long[]> pendingReads = new java.util.HashMap<>();
  private long nextRead;
  /** Reads served, and of those by a follower. */
  long readsServed;
  long followerReads;
  /** Snapshots taken by nodes, and snapshots installed from a leader. */
  long snapshotsTaken;
  long snapshotsInstalled;
  private int nextCommand;
  /** Observer of every node's Ready, for tests that count messages. */
  Consumer<Ready> readyObserver = rd -> {};

  SimCluster(int size, long seed, Consumer<RaftConfig.Builder> tune) {
    this(size, 0, seed, tune);
  }

  /**
   * size founding voters (ids 1..size) and spares servers (the next ids) that run with an empty
   * log and no configuration until a leader adds them. With spares, the founders bootstrap as a
   * server does, with the founding configuration as entry 1 of the log, so that a joining server
   * learns it from the leader; without, it is stored as the initial snapshot's.
   */
  SimCluster(int size, int spares, long seed, Consumer<RaftConfig.Builder> tune) {
    this.seed = seed;
    this.random = new SplittableRandom(seed);
    this.net = new SimNetwork(random.split());
    this.ids = new long[size + spares];
    for (int i = 0; i < ids.length; i++) ids[i] = i + 1;
    long[] founders = Arrays.copyOf(ids, size);
    ConfState.Builder founding = ConfState.newBuilder();
    for (long id : founders) founding.addVoters(id);
    for (long id : ids) {
      RaftConfig.Builder b = RaftConfig.builder(id).electionTicks(10).heartbeatTicks(2)
          .random(random.split()).logger(logger(id));
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
  }

  static SimCluster of(int size, long seed) {
    return new SimCluster(size, seed, b -> {});
  }

  private RaftLogger logger(long id) {
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

  void trace(String line) {
    if (trace.size() == TRACE_LINES) trace.removeFirst();
    trace.addLast(line);
  }

  /** Context for a failure: the seed, the step and the latest events. */
  String describe() {
    StringBuilder sb = new StringBuilder("seed=" + seed + ", step=" + step + ", nodes=" + ids.length + "\n");
    for (SimNode n : nodes.values()) {
      sb.append("  ").append(n.up ? brief(n.node.status()) : "node " + n.id + " down").append('\n');
    }
    sb.append("latest events:\n");
    for (String t : trace) sb.append("  ").append(t).append('\n');
    return sb.toString();
  }

  private static String brief(RaftNode.Status st) {
    return "node " + st.id() + " " + st.role() + " term=" + st.term() + " vote=" + st.vote() + " lead=" + st.lead()
        + " commit=" + st.commit() + " applied=" + st.applied() + " last=" + st.lastIndex() + " voters="
        + st.conf().getVotersList() + " learners=" + st.conf().getLearnersList()
        + (st.progress().isEmpty() ? "" : " progress=" + st.progress());
  }

  SimNode node(long id) {
    return nodes.get(id);
  }

  // ------------------------------------------------------------------ driving one node

  void tick(long id) {
    SimNode n = nodes.get(id);
    if (!n.up) return;
    n.node.tick();
    drain(n);
  }

  void deliver(Message m) {
    SimNode n = nodes.get(m.getTo());
    if (n == null || !n.up) return;
    trace("deliver " + Invariants.brief(m));
    n.node.step(m);
    drain(n);
  }

  /** Proposes on node id; returns null when it is not the leader or refuses (transfer under way, log full). */
  EntryId propose(long id, ByteString data) {
    SimNode n = nodes.get(id);
    if (!n.up) return null;
    try {
      EntryId at = n.node.propose(data);
      proposed++;
      trace("propose on " + id + " -> " + at);
      drain(n);
      return at;
    } catch (NotLeaderException | ProposalDroppedException e) {
      return null;
    }
  }

  /** Proposes a membership change on node id; false when it is not the leader or refuses. */
  boolean changeMembership(long id, ConfChange cc) {
    SimNode n = nodes.get(id);
    if (!n.up) return false;
    try {
      EntryId at = n.node.proposeConfChange(cc);
      confChanges++;
      trace("conf change " + cc.getType() + " " + cc.getNodeId() + " on " + id + " -> " + at);
      drain(n);
      return true;
    } catch (NotLeaderException | ProposalDroppedException | ConfChangeRejectedException e) {
      trace("conf change " + cc.getType() + " " + cc.getNodeId() + " on " + id + " refused: " + e.getMessage());
      return false;
    }
  }

  /**
   * Node id snapshots its state machine as of its applied index, then compacts its log up to
   * margin entries before it (the margin serves slow followers from the log).
   */
  void snapshot(long id, int margin) {
    SimNode n = nodes.get(id);
    long index = n.applied.size();
    if (!n.up || index <= n.disk.snapshot().getMetadata().getIndex()) return;
    // A snapshot from the leader not yet written: the state machine is about to be replaced.
    if (n.pendingWrites.stream().anyMatch(rd -> rd.snapshot() != null)) return;
    n.disk.createSnapshot(index, n.node.confStateAt(index), n.stateMachineImage());
    n.node.snapshotTaken(index);
    long compactTo = index - margin;
    if (compactTo >= n.disk.firstIndex()) n.disk.compact(compactTo);
    snapshotsTaken++;
    trace("node " + id + " snapshots at " + index + ", log now starts at " + n.disk.firstIndex());
  }

  /**
   * Node id asks for a linearizable read. Every write known committed anywhere now must be covered
   * by the index the read is eventually served at (checked when its ReadState appears).
   */
  void read(long id) {
    SimNode n = nodes.get(id);
    if (!n.up) return;
    ByteString ctx = ByteString.copyFromUtf8("read-" + (nextRead++));
    try {
      n.node.readIndex(ctx);
    } catch (NotLeaderException e) {
      return;
    }
    pendingReads.put(ctx, new long[] {id, invariants.committed().size()});
    trace("read " + ctx.toStringUtf8() + " on " + id + " (committed so far: " + invariants.committed().size() + ")");
    drain(n);
  }

  private void served(SimNode n, io.raftjvm.core.ReadState rs) {
    long[] p = pendingReads.remove(rs.context());
    if (p == null) return; // a duplicated answer
    if (p[0] != n.id) {
      throw new AssertionError("read " + rs.context().toStringUtf8() + " asked on " + p[0] + " was served on " + n.id
          + "\n" + describe());
    }
    if (rs.index() < p[1]) {
      throw new AssertionError("stale read " + rs.context().toStringUtf8() + " on node " + n.id + ": served at index "
          + rs.index() + " but " + p[1] + " entries were known committed when it began\n" + describe());
    }
    readsServed++;
    if (n.node.status().role() != Role.LEADER) followerReads++;
    trace("read " + rs.context().toStringUtf8() + " served on " + n.id + " at " + rs.index());
  }

  ByteString nextCommand() {
    return ByteString.copyFromUtf8("cmd-" + (nextCommand++));
  }

  /** Carries out every Ready the node has. */
  void drain(SimNode n) {
    while (n.up && n.node.hasReady()) {
      Ready rd = n.node.ready();
      readyObserver.accept(rd);
      if (rd.softState() != null) trace("node " + n.id + " is now " + rd.softState());
      if (rd.confState() != null) trace("node " + n.id + " switches to voters " + rd.confState().getVotersList()
          + " learners " + rd.confState().getLearnersList());
      for (io.raftjvm.core.ReadState rs : rd.readStates()) served(n, rs);
      invariants.onSend(n, rd.sendNow());
      invariants.onSend(n, rd.sendAfterPersist());
      for (Message m : rd.sendNow()) {
        net.send(m);
        // The transport's feedback once a snapshot has been streamed (lost or not: if it was, the
        // follower's answer to the next probe sends the leader back to the snapshot).
        if (m.getType() == MessageType.MSG_SNAPSHOT) n.node.reportSnapshot(m.getTo(), true);
      }
      if (rd.snapshot() != null) {
        // The log is now the snapshot (the committed prefix up to its index), then what follows.
        long s = rd.snapshot().getMetadata().getIndex();
        n.view.clear();
        n.view.addAll(invariants.committed().subList(0, (int) s));
        snapshotsInstalled++;
      }
      if (!rd.toPersist().isEmpty()) {
        long from = rd.toPersist().get(0).getIndex();
        while (n.view.size() >= from) n.view.remove(n.view.size() - 1);
        if (n.view.size() != from - 1) {
          throw new AssertionError("node " + n.id + " hands out entries from " + from + " but its log ends at "
              + n.view.size() + "\n" + describe());
        }
        n.view.addAll(rd.toPersist());
        invariants.onAppended(n, from);
      }
      for (Entry e : rd.toApply()) invariants.onApply(n, e);
      if (!rd.toApply().isEmpty()) n.node.onApplied(rd.toApply().get(rd.toApply().size() - 1).getIndex());
      n.pendingWrites.add(rd);
      if (random.nextDouble() < syncWriteRate) completeWrites(n, n.pendingWrites.size());
    }
  }

  /** Completes the oldest count disk writes of node n and sends what waited for them. */
  void completeWrites(SimNode n, int count) {
    if (!n.up || n.pendingWrites.isEmpty()) return;
    List<Message> toSend = new ArrayList<>();
    long last = 0;
    for (int i = 0; i < count && !n.pendingWrites.isEmpty(); i++) {
      Ready rd = n.pendingWrites.removeFirst();
      write(n, rd);
      toSend.addAll(rd.sendAfterPersist());
      last = rd.number();
    }
    n.node.onPersisted(last);
    for (Message m : toSend) net.send(m);
    drain(n);
  }

  private void write(SimNode n, Ready rd) {
    if (rd.snapshot() != null) {
      n.disk.applySnapshot(rd.snapshot());
      n.restoreStateMachine(rd.snapshot());
    }
    n.disk.append(rd.toPersist());
    if (rd.hardState() != null) {
      n.disk.setHardState(rd.hardState());
      invariants.onVoteDurable(n, rd.hardState());
    }
  }

  /**
   * Crashes node id: whatever was not written is lost, except that a random prefix of the pending
   * writes may have reached the disk without anyone being told.
   */
  void crash(long id) {
    SimNode n = nodes.get(id);
    if (!n.up) return;
    int written = n.pendingWrites.isEmpty() ? 0 : random.nextInt(n.pendingWrites.size() + 1);
    for (int i = 0; i < written; i++) write(n, n.pendingWrites.removeFirst());
    n.pendingWrites.clear();
    n.up = false;
    pendingReads.values().removeIf(p -> p[0] == id);
    trace("crash " + id + " (" + written + " pending writes reached disk)");
  }

  void restart(long id) {
    SimNode n = nodes.get(id);
    if (n.up) return;
    n.restarts++;
    n.start(invariants.committed());
    trace("restart " + id + " " + n.node.status());
    invariants.onRestart(n);
    drain(n);
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
        if (n.up && !n.pendingWrites.isEmpty()) {
          completeWrites(n, n.pendingWrites.size());
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

  /** Calls tickAll rounds times: every up node ticks rounds times, with the network drained after each. */
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
    List<EntryId> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(n.node.propose(nextCommand()));
      proposed++;
    }
    trace("propose " + count + " on " + id + " in one batch");
    drain(n);
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
   * the entry, until at least expected up nodes applied it. Each round is one tickAll. Returns
   * the entry's index; fails, naming the seed, after maxRounds rounds.
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
    throw new AssertionError("proposal " + data.toStringUtf8() + (at == null ? " was never accepted" : " at " + at)
        + " not applied on " + expected + " nodes within " + maxRounds + " rounds\n" + describe());
  }

  /** The up leader of the highest term among those whose links reach a majority, both ways, or null. */
  private SimNode reachableLeader() {
    SimNode best = null;
    for (SimNode n : upNodes()) {
      RaftNode.Status st = n.node.status();
      if (st.role() != Role.LEADER || (best != null && st.term() <= best.node.status().term())) continue;
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
      if (n.up && !n.pendingWrites.isEmpty() && random.nextInt(4) == 0) {
        completeWrites(n, 1 + random.nextInt(n.pendingWrites.size()));
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
        throw new AssertionError("node " + n.id + " applied " + n.applied.size() + " entries, expected at least "
            + index + "\n" + describe());
      }
      List<Entry> mine = n.applied.subList(0, (int) index);
      if (reference == null) reference = mine;
      else if (!reference.equals(mine)) throw new AssertionError("applied logs differ\n" + describe());
    }
  }
}
