package io.raftjvm.core;

/** The role a server plays (Figure 4), plus the PreVote phase of thesis §9.6. */
public enum Role {
  FOLLOWER,
  /** Asking whether it could win an election, without raising its term (thesis §9.6). */
  PRE_CANDIDATE,
  CANDIDATE,
  LEADER
}
