package io.raftjvm.core;

import io.raftjvm.proto.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A few {@link TestNode}s joined by an in-memory network that delivers in rounds: every node's
 * Readies are processed (persisted at once), then everything they sent is delivered in order. Nodes
 * can be isolated (alive, cut off), crashed (frozen until restarted from their storage), and
 * individual messages dropped by a predicate.
 *
 * <p>No threads, no clock: the order of events is a function of the test's calls alone.
 */
final class Net {
  final TreeMap<Long, TestNode> nodes = new TreeMap<>();

  /** Alive but cut off: nothing they send or should receive is delivered. */
  private final Set<Long> isolated = new HashSet<>();

  /** Crashed: not drained, not ticked, receives nothing, until restart. */
  private final Set<Long> crashed = new HashSet<>();

  /** Extra drop rule; messages matching it are lost. */
  private Predicate<Message> drop = m -> false;

  /** Every message delivered, in delivery order. */
  final List<Message> delivered = new ArrayList<>();

  /** A cluster whose voters are ids, each node configured by tweak. */
  static Net of(Consumer<TestNode.Builder> tweak, long... ids) {
    Net net = new Net();
    for (long id : ids) {
      TestNode.Builder b = TestNode.builder(id).voters(ids);
      tweak.accept(b);
      net.nodes.put(id, b.build());
    }
    return net;
  }

  /** Adds a node built by hand (its own log and hard state). */
  Net add(TestNode n) {
    nodes.put(n.id, n);
    return this;
  }

  TestNode node(long id) {
    return nodes.get(id);
  }

  void isolate(long id) {
    isolated.add(id);
  }

  void heal(long id) {
    isolated.remove(id);
  }

  /** The node stops: whatever it has not yet persisted is lost. */
  void crash(long id) {
    crashed.add(id);
  }

  /** The node comes back from what its storage holds. */
  void restart(long id) {
    crashed.remove(id);
    nodes.get(id).restart();
  }

  void dropIf(Predicate<Message> p) {
    drop = p;
  }

  void clearDrops() {
    drop = m -> false;
  }

  private boolean deliverable(Message m) {
    return !isolated.contains(m.getFrom())
        && !isolated.contains(m.getTo())
        && !crashed.contains(m.getFrom())
        && !crashed.contains(m.getTo())
        && !drop.test(m);
  }

  /** Ticks every live node once, then stabilizes. */
  void tickAll() {
    nodes.forEach(
        (id, n) -> {
          if (!crashed.contains(id)) n.tick();
        });
    stabilize();
  }

  void campaign(long id) {
    nodes.get(id).node.campaign();
    stabilize();
  }

  /** Delivers a message from outside (a test playing a peer), then stabilizes. */
  void send(Message m) {
    nodes.get(m.getTo()).step(m);
    stabilize();
  }

  /**
   * Runs rounds of process-Readies-then-deliver until no node has work. Returns messages delivered.
   */
  int stabilize() {
    int count = 0;
    for (int round = 0; ; round++) {
      if (round > 10_000) throw new AssertionError("network never quiesces");
      ArrayDeque<Message> wire = new ArrayDeque<>();
      nodes.forEach(
          (id, n) -> {
            if (!crashed.contains(id)) wire.addAll(n.drain());
          });
      if (wire.isEmpty()) return count;
      for (Message m : wire) {
        if (!deliverable(m)) continue;
        delivered.add(m);
        nodes.get(m.getTo()).step(m);
        count++;
      }
    }
  }

  /** The unique leader among live nodes at the highest term any of them has, or 0. */
  long leader() {
    long best = 0;
    long bestTerm = -1;
    for (TestNode n : nodes.values()) {
      if (crashed.contains(n.id) || n.raft().role != Role.LEADER) continue;
      if (n.raft().term > bestTerm) {
        best = n.id;
        bestTerm = n.raft().term;
      }
    }
    return best;
  }
}
