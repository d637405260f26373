package io.raftjvm.server;

/**
 * {@code raft.log}: whether writes are forced to disk, the size of a log segment, and whether
 * compacted segment files are reused.
 */
public record LogConfig(boolean sync, long segmentBytes, boolean recycleSegments) {
  static LogConfig parse(ConfigReader r) {
    long segment = r.positiveBytes("segment-size");
    if (segment < (1 << 20)) throw r.bad("segment-size", "must be at least 1MiB, got " + segment);
    return new LogConfig(r.bool("sync"), segment, r.bool("recycle-segments"));
  }

  /** The log store's options. */
  public io.raftjvm.log.chronicle.ChronicleLogStore.Options storeOptions() {
    return new io.raftjvm.log.chronicle.ChronicleLogStore.Options(
        sync, segmentBytes, recycleSegments);
  }
}
