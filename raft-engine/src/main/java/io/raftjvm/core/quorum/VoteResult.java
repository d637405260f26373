package io.raftjvm.core.quorum;

/** Outcome of counting votes so far. */
public enum VoteResult {
  /** Not decided: some voters have not answered. */
  PENDING,
  /** A majority refused. */
  LOST,
  /** A majority granted. */
  WON
}
