package io.raftjvm.counter.tools;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The longest stretch of the measured window in which no operation was acknowledged: what a fault
 * (a leader killed, paused or cut off) cost the clients. Thread-safe; called from the clients'
 * threads on every acknowledgement, so it only does a CAS or two.
 */
final class Stalls {
  /** System.nanoTime of the latest acknowledgement, or of the window's start. */
  private final AtomicLong lastOk = new AtomicLong();

  private final AtomicLong longest = new AtomicLong();

  /** When the longest stall ended (System.nanoTime); written after {@link #longest}. */
  private volatile long longestEnd;

  private volatile long start;

  /** The measured window starts now: a stall counts from here. */
  void start(long nanos) {
    start = nanos;
    lastOk.set(nanos);
  }

  /** An operation was acknowledged at nanos. */
  void ok(long nanos) {
    long prev = lastOk.getAndAccumulate(nanos, Math::max);
    long gap = nanos - prev;
    if (gap > longest.get() && gap == longest.accumulateAndGet(gap, Math::max)) {
      longestEnd = nanos;
    }
  }

  /** The window ends at nanos: time since the last acknowledgement is a stall too. */
  void end(long nanos) {
    ok(nanos);
  }

  long longestNanos() {
    return longest.get();
  }

  /** When the longest stall ended, in nanoseconds into the window. */
  long longestEndNanos() {
    return longestEnd - start;
  }
}
