package io.raftjvm.core;

/**
 * What a node reports for monitoring, as it happens. The core calls the first group on its loop;
 * the runtime (loop, log writer, apply and I/O threads) the second. Implementations must be
 * thread-safe, must not block, and must not allocate per call on the replication path (they run for
 * every message and batch); nothing they do feeds back into the node. {@link #NONE} ignores
 * everything.
 */
public interface RaftMetrics {
  /** Reports nothing. */
  RaftMetrics NONE = new RaftMetrics() {};

  // ------------------------------------------------------------------ the core, on the loop

  /** An election (or a pre-vote round, §9.6 of the thesis) started here. */
  default void campaignStarted(boolean preVote) {}

  /** This node won an election and leads its term. */
  default void electionWon() {}

  /** A (pre-)candidate here lost its round: a majority refused it. */
  default void electionLost(boolean preVote) {}

  /** A leader here stepped down because a majority was not heard from (CheckQuorum, §6.2). */
  default void checkQuorumStepDown() {}

  /** An AppendEntries with entries (0 for a probe or a commit update) left for a follower. */
  default void appendSent(int entries) {}

  /** An AppendEntries arrived here from the leader. */
  default void appendReceived(int entries) {}

  /** This node refused an AppendEntries (its log did not match at the previous index, §5.3). */
  default void appendRejected() {}

  /** The leader took a linearizable read: served on its lease (§6.4.1) or by ReadIndex (§6.4). */
  default void readIndex(boolean lease) {}

  /** The leader sent a follower a snapshot (InstallSnapshot, §7). */
  default void snapshotSent() {}

  // ------------------------------------------------------------------ the runtime

  /** The leader appended a batch of entries proposed together. Loop. */
  default void proposed(int entries) {}

  /** The leader learnt a batch committed, nanos after it was appended. Loop. */
  default void committed(long nanos) {}

  /** Entries were applied nanos after this node learnt they committed. Loop. */
  default void applied(long nanos) {}

  /** The log writer wrote a batch; syncNanos is 0 when it did not sync. Writer thread. */
  default void logWritten(int entries, long bytes, long syncNanos) {}

  /** Leadership changed as this node sees it (a new leader, or none). Loop. */
  default void leaderChanged() {}

  /** A linearizable read was answered (failed: not served) nanos after it was asked. */
  default void readAnswered(long nanos, boolean failed) {}

  /** A snapshot of bytes was taken in nanos. Snapshot thread. */
  default void snapshotTaken(long nanos, long bytes) {}

  /** A snapshot from the leader was installed here. Loop. */
  default void snapshotInstalled() {}
}
