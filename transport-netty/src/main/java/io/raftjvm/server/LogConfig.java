package io.raftjvm.server;

/** {@code raft.log}: whether writes are forced to disk, and the size of a log segment. */
public record LogConfig(boolean sync, long segmentBytes) {
  static LogConfig parse(ConfigReader r) {
    long segment = r.positiveBytes("segment-size");
    if (segment < (1 << 20)) throw r.bad("segment-size", "must be at least 1MiB, got " + segment);
    return new LogConfig(r.bool("sync"), segment);
  }
}
