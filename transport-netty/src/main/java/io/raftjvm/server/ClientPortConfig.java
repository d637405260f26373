package io.raftjvm.server;

import java.time.Duration;

/**
 * {@code raft.client}: the client port's deadlines, limits, exactly-once sessions and threads
 * ({@code ioThreads} 0: connections on the node's loop).
 */
public record ClientPortConfig(
    Duration requestTimeout,
    int maxPendingPerConnection,
    int maxFrameBytes,
    long maxIncompleteFrameBytes,
    Duration sessionTimeout,
    int ioThreads) {
  static ClientPortConfig parse(ConfigReader r) {
    int maxFrame = r.intBytes("max-frame-size");
    if (maxFrame < 1024) throw r.bad("max-frame-size", "must be at least 1KiB, got " + maxFrame);
    return new ClientPortConfig(
        r.positiveDuration("request-timeout"),
        r.atLeast("max-pending-per-connection", 1),
        maxFrame,
        r.atLeastOneFrame("max-incomplete-frame-bytes", "max-frame-size", maxFrame),
        r.positiveDuration("session-timeout"),
        ioThreads(r));
  }

  /** At most this many client I/O threads: more would only contend for the cores. */
  static final int MAX_IO_THREADS = 64;

  private static int ioThreads(ConfigReader r) {
    int n = r.atLeast("io-threads", 0);
    if (n > MAX_IO_THREADS) {
      throw r.bad("io-threads", "must be at most " + MAX_IO_THREADS + ", got " + n);
    }
    return n;
  }
}
