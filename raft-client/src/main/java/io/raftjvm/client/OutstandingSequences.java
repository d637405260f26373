package io.raftjvm.client;

/**
 * The sequence numbers of a session's proposes not yet settled, for the lowest of them (the first
 * unacknowledged number a propose tells the servers, thesis §6.3). Numbers are taken in increasing
 * order and settle in any order, so a window of flags from the lowest outstanding number to the
 * last taken is enough: taking and settling are a flag each, and the lowest moves up past settled
 * ones. Thread-safe (one lock; held for a few field writes).
 */
final class OutstandingSequences {
  /** flags[s & (length - 1)]: whether s in [lowest, next) is still outstanding. */
  private boolean[] flags = new boolean[64];

  /** The lowest outstanding number; equals next when none is. */
  private long lowest = 1;

  /** The number the next take returns. */
  private long next = 1;

  /** Takes the next sequence number, outstanding until {@link #settle}d. */
  synchronized long take() {
    if (next - lowest >= flags.length) grow();
    long s = next++;
    flags[slot(s)] = true;
    return s;
  }

  /** Sequence s is settled (answered, failed or never sent). */
  synchronized void settle(long s) {
    if (s < lowest || s >= next) return;
    flags[slot(s)] = false;
    while (lowest < next && !flags[slot(lowest)]) lowest++;
  }

  /** The lowest outstanding number, or the next one to be taken when none is. */
  synchronized long lowest() {
    return lowest;
  }

  private int slot(long s) {
    return (int) (s & (flags.length - 1));
  }

  private void grow() {
    boolean[] bigger = new boolean[flags.length * 2];
    for (long s = lowest; s < next; s++) bigger[(int) (s & (bigger.length - 1))] = flags[slot(s)];
    flags = bigger;
  }
}
