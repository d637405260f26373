package io.raftjvm.server;

/** {@code raft.replication}: how much the leader sends, keeps in flight and holds uncommitted. */
public record ReplicationConfig(
    long maxAppendBytes,
    int maxInflightAppends,
    long maxInflightBytes,
    long maxApplyBytes,
    long maxUncommittedBytes) {
  static ReplicationConfig parse(ConfigReader r) {
    return new ReplicationConfig(
        r.positiveBytes("max-append-bytes"),
        r.atLeast("max-inflight-appends", 1),
        r.positiveBytes("max-inflight-bytes"),
        r.positiveBytes("max-apply-bytes"),
        r.positiveBytes("max-uncommitted-bytes"));
  }
}
