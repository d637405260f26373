package io.raftjvm.server;

import java.time.Duration;

/** {@code raft.client}: the client port's deadlines, limits and exactly-once sessions. */
public record ClientPortConfig(
    Duration requestTimeout,
    int maxPendingPerConnection,
    int maxFrameBytes,
    long maxIncompleteFrameBytes,
    Duration sessionTimeout) {
  static ClientPortConfig parse(ConfigReader r) {
    int maxFrame = r.intBytes("max-frame-size");
    if (maxFrame < 1024) throw r.bad("max-frame-size", "must be at least 1KiB, got " + maxFrame);
    return new ClientPortConfig(
        r.positiveDuration("request-timeout"),
        r.atLeast("max-pending-per-connection", 1),
        maxFrame,
        r.atLeastOneFrame("max-incomplete-frame-bytes", "max-frame-size", maxFrame),
        r.positiveDuration("session-timeout"));
  }
}
