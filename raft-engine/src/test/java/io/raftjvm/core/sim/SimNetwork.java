package io.raftjvm.core.sim;

import io.raftjvm.proto.Message;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A simulated network: messages in flight, delivered one at a time in an order the seeded generator
 * picks. It drops, duplicates and reorders messages and cuts links (one direction at a time, so
 * partitions can be asymmetric). No threads, no clock.
 */
final class SimNetwork {
  private final SplittableRandom random;
  private final List<Message> inFlight = new ArrayList<>();

  /** Directed links that drop everything: from * 1000 + to. */
  private final Set<Long> cut = new HashSet<>();

  /** Probability that a sent message is lost. */
  double dropRate;

  /** Probability that a sent message is delivered twice. */
  double duplicateRate;

  /** How far from the head of the queue delivery may pick: 1 keeps FIFO order. */
  int reorderWindow = 1;

  /** Probability that a sent message is held back for a long time (maxDelay events at most). */
  double delayRate;

  int maxDelay = 500;

  /** Held-back messages and the event count at which each rejoins the queue. */
  private final List<Message> delayed = new ArrayList<>();

  private final List<Long> delayedUntil = new ArrayList<>();

  /** Event counter, advanced by {@link #advance}. */
  private long now;

  /** Counters, for tests that measure traffic. */
  long sent;

  long dropped;
  long delivered;

  SimNetwork(SplittableRandom random) {
    this.random = random;
  }

  void send(Message m) {
    sent++;
    if (isCut(m.getFrom(), m.getTo()) || (dropRate > 0 && random.nextDouble() < dropRate)) {
      dropped++;
      return;
    }
    if (delayRate > 0 && random.nextDouble() < delayRate) {
      delayed.add(m);
      delayedUntil.add(now + 1 + random.nextInt(maxDelay));
      return;
    }
    inFlight.add(m);
    if (duplicateRate > 0 && random.nextDouble() < duplicateRate) inFlight.add(m);
  }

  /** One event passes: held-back messages whose time has come rejoin the queue. */
  void advance() {
    now++;
    for (int i = delayed.size() - 1; i >= 0; i--) {
      if (delayedUntil.get(i) <= now) {
        inFlight.add(delayed.remove(i));
        delayedUntil.remove(i);
      }
    }
  }

  boolean isEmpty() {
    return inFlight.isEmpty();
  }

  int size() {
    return inFlight.size();
  }

  /** Removes and returns the next message to deliver, or null when a cut link swallowed it. */
  Message next() {
    int window = Math.min(reorderWindow, inFlight.size());
    Message m = inFlight.remove(window <= 1 ? 0 : random.nextInt(window));
    if (isCut(m.getFrom(), m.getTo())) {
      dropped++;
      return null;
    }
    delivered++;
    return m;
  }

  /** Messages currently queued (for inspection by tests). */
  List<Message> inFlight() {
    return List.copyOf(inFlight);
  }

  void clear() {
    inFlight.clear();
    delayed.clear();
    delayedUntil.clear();
  }

  void cut(long from, long to) {
    cut.add(from * 1000 + to);
  }

  /** Cuts every link between node and the rest, both ways. */
  void isolate(long node, long[] all) {
    for (long other : all) {
      if (other != node) {
        cut(node, other);
        cut(other, node);
      }
    }
  }

  /** Splits the cluster in two halves that cannot talk. */
  void partition(long[] sideA, long[] sideB) {
    for (long a : sideA) {
      for (long b : sideB) {
        cut(a, b);
        cut(b, a);
      }
    }
  }

  void heal() {
    cut.clear();
  }

  boolean isCut(long from, long to) {
    return cut.contains(from * 1000 + to);
  }

  boolean anyCut() {
    return !cut.isEmpty();
  }
}
