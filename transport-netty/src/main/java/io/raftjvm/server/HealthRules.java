package io.raftjvm.server;

import io.raftjvm.core.ConfChanges;
import io.raftjvm.core.RaftNode;
import java.time.Instant;

/**
 * What the health checks demand (Kubernetes' probes: liveness restarts a server, readiness takes it
 * out of service), as pure functions of what the node publishes: each returns null when the check
 * passes, else the reason in one line.
 */
final class HealthRules {
  private HealthRules() {}

  /** Liveness fails when the loop has not ticked for this long (it ticks every few ms). */
  static final long MAX_LOOP_SILENCE_MS = 10_000;

  /**
   * Live: the node has not stopped on a failure, no log write has waited longer than
   * maxWriteStallMs (a stuck disk), and its loop ticks (a stuck loop).
   */
  static String liveProblem(
      Throwable failure,
      long failedAtMillis,
      long writeWaitMillis,
      long sinceLastTickMillis,
      long maxWriteStallMs) {
    if (failure != null) {
      return "node failed at "
          + Instant.ofEpochMilli(failedAtMillis)
          + ": "
          + (failure.getMessage() != null ? failure.getMessage() : failure.toString());
    }
    if (writeWaitMillis > maxWriteStallMs) {
      return "a log write has waited "
          + writeWaitMillis
          + " ms (limit "
          + maxWriteStallMs
          + " ms): the disk is stuck";
    }
    if (sinceLastTickMillis > Math.max(MAX_LOOP_SILENCE_MS, maxWriteStallMs)) {
      return "the node's loop has not ticked for " + sinceLastTickMillis + " ms";
    }
    return null;
  }

  /**
   * Ready: the node answered (st not null), was not removed, is a member of its configuration,
   * knows a leader, and has applied within maxApplyLag entries of its commit index.
   */
  static String readyProblem(RaftNode.Status st, boolean removed, long maxApplyLag) {
    if (st == null) {
      return "the node did not answer within " + NodeEndpoints.LOOP_DEADLINE_MS + " ms";
    }
    if (removed) return "removed from the cluster's configuration";
    if (!ConfChanges.isMember(st.conf(), st.id()))
      return "not a member of the configuration yet (waiting to be added)";
    if (st.lead() == 0) return "no leader known";
    long lag = st.commit() - st.applied();
    if (lag > maxApplyLag) {
      return "applied index "
          + st.applied()
          + " trails commit index "
          + st.commit()
          + " by "
          + lag
          + " entries (limit "
          + maxApplyLag
          + ")";
    }
    return null;
  }
}
