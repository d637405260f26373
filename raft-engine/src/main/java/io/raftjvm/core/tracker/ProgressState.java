package io.raftjvm.core.tracker;

/** How the leader replicates to one follower. */
public enum ProgressState {
  /** Next is a guess: send one append, wait for its answer, back off on rejection. */
  PROBE,
  /** The follower's log is known to match up to match: pipeline appends optimistically. */
  REPLICATE,
  /** The entries the follower needs are compacted: a snapshot is on its way; send nothing else. */
  SNAPSHOT
}
