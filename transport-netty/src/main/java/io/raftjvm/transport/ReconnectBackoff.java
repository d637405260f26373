package io.raftjvm.transport;

import java.util.random.RandomGenerator;

/**
 * Delays between reconnect attempts: exponential from {@code minMillis}, doubling up to {@code
 * maxMillis}, each multiplied by a random factor in [1 - jitter, 1 + jitter] so that servers that
 * lost each other at the same moment do not retry in lockstep. Not thread-safe: used on one loop.
 */
final class ReconnectBackoff {
  private final long minMillis;
  private final long maxMillis;
  private final double jitter;
  private final RandomGenerator random;
  private long base;

  ReconnectBackoff(long minMillis, long maxMillis, double jitter, RandomGenerator random) {
    if (minMillis <= 0 || maxMillis < minMillis || jitter < 0 || jitter >= 1) {
      throw new IllegalArgumentException(
          "backoff needs 0 < min <= max and 0 <= jitter < 1: "
              + minMillis
              + ", "
              + maxMillis
              + ", "
              + jitter);
    }
    this.minMillis = minMillis;
    this.maxMillis = maxMillis;
    this.jitter = jitter;
    this.random = random;
    this.base = minMillis;
  }

  /** The delay before the next attempt; each call doubles the base until the cap. */
  long nextDelayMillis() {
    long delay = base;
    base = Math.min(maxMillis, base * 2);
    double factor = 1 + jitter * (2 * random.nextDouble() - 1);
    return Math.max(1, Math.round(delay * factor));
  }

  /** Starts again from {@code minMillis} (after a connection proved stable). */
  void reset() {
    base = minMillis;
  }

  long maxMillis() {
    return maxMillis;
  }
}
