package io.raftjvm.core.sim;

import com.google.protobuf.ByteString;
import io.raftjvm.core.EntryId;
import io.raftjvm.core.MemoryStorage;
import io.raftjvm.core.NotLeaderException;
import io.raftjvm.core.RaftConfig;
import io.raftjvm.core.RaftLogger;
import io.raftjvm.core.Ready;
import io.raftjvm.core.Role;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
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
  private int nextCommand;
  /** Observer of every node's Ready, for tests that count messages. */
  Consumer<Ready> readyObserver = rd -> {};

  SimCluster(int size, long seed, Consumer<RaftConfig.Builder> tune) {
    this.seed = seed;
    this.random = new SplittableRandom(seed);
    this.net = new SimNetwork(random.split());
    this.ids = new long[size];
    for (int i = 0; i < size; i++) ids[i] = i + 1;
    for (long id : ids) {
      RaftConfig.Builder b = RaftConfig.builder(id).electionTicks(10).heartbeatTicks(2)
          .random(random.split()).logger(logger(id));
      tune.accept(b);
      nodes.put(id, new SimNode(id, b.build(), MemoryStorage.bootstrap(ids)));
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
      sb.append("  ").append(n.up ? n.node.status().toString() : "node " + n.id + " down").append('\n');
    }
    sb.append("latest events:\n");
    for (String t : trace) sb.append("  ").append(t).append('\n');
    return sb.toString();
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

  /** Proposes on node id; returns null when it is not the leader. */
  EntryId propose(long id, ByteString data) {
    SimNode n = nodes.get(id);
    if (!n.up) return null;
    try {
      EntryId at = n.node.propose(data);
      proposed++;
      trace("propose on " + id + " -> " + at);
      drain(n);
      return at;
    } catch (NotLeaderException e) {
      return null;
    }
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
      for (Message m : rd.sendNow()) net.send(m);
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

  private static void write(SimNode n, Ready rd) {
    if (rd.snapshot() != null) n.disk.applySnapshot(rd.snapshot());
    n.disk.append(rd.toPersist());
    if (rd.hardState() != null) n.disk.setHardState(rd.hardState());
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
    trace("crash " + id + " (" + written + " pending writes reached disk)");
  }

  void restart(long id) {
    SimNode n = nodes.get(id);
    if (n.up) return;
    n.restarts++;
    n.start();
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
}
