package io.raftjvm.runtime;

/**
 * How many ticks a node is owed: ticks follow the monotonic clock rather than the timer's firings.
 * After a pause (GC, SIGSTOP, a stalled loop) the timer's missed runs come late, maybe after the
 * messages and reads that queued meanwhile, and a lease measured in ticks would then outlive its
 * real duration (thesis §6.4.1); bursts of late firings add no ticks. Loop only.
 */
final class TickClock {
  private final long tickMillis;

  /**
   * Ticks beyond which a pause is simply "long": every timer (lease, election, CheckQuorum) has run
   * out.
   */
  private final long cap;

  private long origin;
  private long done;
  private boolean started;

  TickClock(long tickMillis, int electionTicks) {
    this.tickMillis = tickMillis;
    this.cap = 4L * electionTicks; // twice the longest randomized election timeout
  }

  void start(long nowMillis) {
    origin = nowMillis;
    started = true;
  }

  /** Ticks due at nowMillis that were not given yet (0 before start); counts them as given. */
  long owed(long nowMillis) {
    if (!started) return 0;
    long due = (nowMillis - origin) / tickMillis;
    if (due - done > cap) done = due - cap;
    long owed = Math.max(0, due - done);
    done += owed;
    return owed;
  }

  /** Ticks given so far. */
  long given() {
    return done;
  }
}
