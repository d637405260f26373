package io.raftjvm.server;

/** {@code raft.snapshot}: when to snapshot, the log kept behind a snapshot, the chunk size. */
public record SnapshotConfig(long entries, long bytes, long trailingEntries, int chunkBytes) {
  static SnapshotConfig parse(ConfigReader r) {
    return new SnapshotConfig(
        r.nonNegative("entries"),
        r.bytes("bytes"),
        r.nonNegative("trailing-entries"),
        r.intBytes("chunk-size"));
  }
}
