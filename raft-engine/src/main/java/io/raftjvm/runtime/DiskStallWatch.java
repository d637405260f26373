package io.raftjvm.runtime;

import io.raftjvm.core.RaftNode;
import java.util.ArrayDeque;

/**
 * Watches the log writer for a node (hashicorp/raft#683): a leader whose writer has not finished a
 * write for longer than an election timeout should hand leadership to its most up-to-date voter and
 * take no proposals meanwhile. The followers still commit without its disk, but everything it
 * accepted would pile up unwritten in its memory; as a follower it needs little, since the leader
 * sends it no more than its in-flight window while it cannot acknowledge. Loop only.
 */
final class DiskStallWatch {
  private final long stallMillis;
  private final int electionTicks;

  /**
   * Readies handed to the writer and not yet durable: (number, monotonic ms handed over), oldest
   * first.
   */
  private final ArrayDeque<long[]> writing = new ArrayDeque<>();

  private boolean stalled;

  /** The tick at which leadership was last handed over for a stall. */
  private long lastHandover = Long.MIN_VALUE / 2;

  DiskStallWatch(long tickMillis, int electionTicks) {
    this.stallMillis = (long) electionTicks * tickMillis;
    this.electionTicks = electionTicks;
  }

  void submitted(long readyNumber, long nowMillis) {
    writing.add(new long[] {readyNumber, nowMillis});
  }

  /** Readies up to number are durable; true if that ends a stall. */
  boolean durable(long number) {
    while (!writing.isEmpty() && writing.peek()[0] <= number) writing.poll();
    boolean ended = stalled;
    stalled = false;
    return ended;
  }

  boolean stalled() {
    return stalled;
  }

  /** Milliseconds the oldest unfinished write has waited, 0 if none. */
  long waitedMillis(long nowMillis) {
    return writing.isEmpty() ? 0 : nowMillis - writing.peek()[1];
  }

  /** Re-evaluates at nowMillis; true when a stall has just begun. */
  boolean check(long nowMillis) {
    if (stalled || waitedMillis(nowMillis) <= stallMillis) return false;
    stalled = true;
    return true;
  }

  /**
   * While stalled, the voter a leader should hand leadership to at tick (at most once per election
   * timeout: a transfer not finished by then was abandoned by the core), or 0.
   */
  long handoverTarget(long self, RaftNode.Status st, long tick) {
    if (!stalled || tick - lastHandover < electionTicks) return 0;
    long best = 0;
    long bestMatch = -1;
    for (var e : st.progress().entrySet()) {
      if (e.getKey() == self
          || e.getValue().learner()
          || !st.conf().getVotersList().contains(e.getKey())) continue;
      if (e.getValue().match() > bestMatch) {
        best = e.getKey();
        bestMatch = e.getValue().match();
      }
    }
    if (best != 0) lastHandover = tick;
    return best;
  }
}
