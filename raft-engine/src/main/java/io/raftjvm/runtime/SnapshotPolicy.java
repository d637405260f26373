package io.raftjvm.runtime;

/**
 * When a node snapshots its state machine and how much log it keeps (thesis ch. 5).
 *
 * @param entries snapshot once this many entries were applied since the last snapshot (0: never)
 * @param bytes snapshot once this many bytes of entries were applied since the last one (0: never)
 * @param trailingEntries entries kept in the log before a snapshot's index, so that followers
 *     slightly behind catch up from the log rather than by InstallSnapshot
 * @param sessionTimeoutMs client sessions idle this long (by the leader's clock in the log) expire
 */
public record SnapshotPolicy(
    long entries, long bytes, long trailingEntries, long sessionTimeoutMs) {
  /** Only on demand, and the log is compacted right up to each snapshot. */
  public static final SnapshotPolicy ON_DEMAND =
      new SnapshotPolicy(0, 0, 0, ApplyWorker.DEFAULT_SESSION_TIMEOUT_MS);

  public SnapshotPolicy(long entries, long bytes, long trailingEntries) {
    this(entries, bytes, trailingEntries, ApplyWorker.DEFAULT_SESSION_TIMEOUT_MS);
  }

  public SnapshotPolicy {
    if (sessionTimeoutMs <= 0)
      throw new IllegalArgumentException("session timeout must be positive: " + sessionTimeoutMs);
    if (entries < 0 || bytes < 0 || trailingEntries < 0) {
      throw new IllegalArgumentException(
          "snapshot policy values must not be negative: "
              + entries
              + ", "
              + bytes
              + ", "
              + trailingEntries);
    }
  }

  boolean due(long entriesSince, long bytesSince) {
    return (entries > 0 && entriesSince >= entries) || (bytes > 0 && bytesSince >= bytes);
  }
}
