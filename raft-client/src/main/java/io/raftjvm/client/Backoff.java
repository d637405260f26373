package io.raftjvm.client;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Delays between retries, for clients retrying requests and servers reconnecting to peers: the
 * first failure waits about {@code first}, each further one twice as long, up to {@code max}; each
 * delay is drawn uniformly from the upper half of that (jitter), so that many parties that failed
 * at the same moment spread out. Not thread-safe: used on one event loop.
 */
public final class Backoff {
  private final long firstNanos;
  private final long maxNanos;
  private final RandomGenerator random;

  public Backoff(Duration first, Duration max, RandomGenerator random) {
    if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
      throw new IllegalArgumentException("backoff needs 0 < first <= max: " + first + ", " + max);
    }
    this.firstNanos = first.toNanos();
    this.maxNanos = max.toNanos();
    this.random = random;
  }

  /**
   * Delay before the attempt that follows the {@code failures}-th failure in a row (1: the first).
   */
  public long delayNanos(int failures) {
    long d = firstNanos;
    for (int i = 1; i < failures && d < maxNanos; i++) d *= 2;
    d = Math.min(d, maxNanos);
    long half = d / 2;
    return half + random.nextLong(d - half + 1);
  }

  public Duration max() {
    return Duration.ofNanos(maxNanos);
  }
}
