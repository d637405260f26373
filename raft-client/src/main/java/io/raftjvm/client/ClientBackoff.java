package io.raftjvm.client;

import java.time.Duration;
import java.util.SplittableRandom;

/**
 * Retry delays: the first failure waits about {@code first}, each further one twice as long, up to
 * {@code max}; each delay is drawn uniformly from its upper half (jitter) so that many clients
 * retrying at once spread out. Not thread-safe: used on the client's event loop only.
 */
final class ClientBackoff {
  private final long firstNanos;
  private final long maxNanos;
  private final SplittableRandom random;

  ClientBackoff(Duration first, Duration max, SplittableRandom random) {
    this.firstNanos = first.toNanos();
    this.maxNanos = max.toNanos();
    this.random = random;
  }

  /** Delay before the retry that follows the {@code failures}-th failure (1 for the first). */
  long nanos(int failures) {
    long d = firstNanos;
    for (int i = 1; i < failures && d < maxNanos; i++) {
      d *= 2;
    }
    d = Math.min(d, maxNanos);
    long half = d / 2;
    return half + random.nextLong(d - half + 1);
  }
}
