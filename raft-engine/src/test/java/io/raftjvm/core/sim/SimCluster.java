package io.raftjvm.core.sim;

import com.google.protobuf.ByteString;
import io.raftjvm.core.EntryId;
import io.raftjvm.core.RaftConfig;
import io.raftjvm.core.RaftNode;
import io.raftjvm.core.Role;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.Message;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The simulated cluster as scenarios use it: the world ({@link SimWorld}) with faults (pauses, disk
 * and apply stalls), queries (the leader, the nodes up) and the helpers of the classic lab suite
 * (agreement on one command, ticking until a condition holds, partitions by group).
 */
final class SimCluster extends SimWorld {
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
    super(size, spares, seed, tune, sessionTimeoutMs);
  }

  static SimCluster of(int size, long seed) {
    return new SimCluster(size, seed, b -> {});
  }

  // ------------------------------------------------------------------ faults

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

  /**
   * Proposes count fresh commands on node id with no drain in between, then drains once: the
   * driver's inbox hands them to the loop as one task, which appends them all.
   */
  List<EntryId> proposeBatch(long id, int count) {
    SimNode n = nodes.get(id);
    if (n.paused) throw new AssertionError("proposeBatch on paused node " + id);
    settle(n);
    List<CompletableFuture<?>> futures = new ArrayList<>(count);
    for (int i = 0; i < count; i++) futures.add(n.driver.propose(nextCommand()));
    scheduler.runOne(n.loopLane()); // the inbox's task; the drain it asks for runs after it
    for (CompletableFuture<?> f : futures) {
      if (f.isCompletedExceptionally())
        throw new AssertionError("proposal refused: " + cause(f) + "\n" + describe());
    }
    RaftNode.Status st = n.node.status();
    List<EntryId> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(new EntryId(st.term(), st.lastIndex() - count + 1 + i));
    }
    proposed += count;
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
