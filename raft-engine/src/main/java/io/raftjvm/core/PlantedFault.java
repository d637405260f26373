package io.raftjvm.core;

/**
 * Deliberate bugs, off unless a test plants one through {@link RaftConfig.Builder#plant}: the
 * whole-node simulation plants each in turn to show that its checks catch it (FoundationDB's
 * BUGGIFY, applied to our own correctness arguments). A server never plants any.
 */
public enum PlantedFault {
  /**
   * The session table answers nothing from its saved results: a retried command is applied again.
   */
  RETRY_APPLIED_TWICE,
  /**
   * A snapshot carries the session table without the saved results (thesis §6.3 needs them in it).
   */
  SESSION_RESULTS_NOT_IN_SNAPSHOT,
  /** A read is served as soon as its read index is known, before this node applied up to it. */
  READ_BEFORE_APPLYING_READ_INDEX,
  /**
   * The node ticks when its timer fires instead of by the clock, as this runtime did before the
   * whole-node simulation caught it: after a pause, the reads that queued meanwhile are served
   * before the missed ticks, on a leader's lease that ran out (thesis §6.4.1).
   */
  TICKS_FOLLOW_THE_TIMER,
  /** A follower installs a leader's snapshot older than what it already committed. */
  SNAPSHOT_OVER_NEWER_STATE,
  /** A learner campaigns like a voter when it stops hearing from a leader (thesis §4.2.1). */
  LEARNER_CAMPAIGNS
}
