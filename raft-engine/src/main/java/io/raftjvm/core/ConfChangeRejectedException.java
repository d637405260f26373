package io.raftjvm.core;

/**
 * A membership change the leader refused; the log is unchanged. {@link #retryable()} tells a change
 * that may succeed later (another one is pending, the leader has not yet committed an entry of its
 * term, the learner is not caught up) from one that never will (adding an existing id, removing a
 * non-member or the last voter).
 */
public final class ConfChangeRejectedException extends RuntimeException {
  private final boolean retryable;

  public ConfChangeRejectedException(String message, boolean retryable) {
    super(message);
    this.retryable = retryable;
  }

  public boolean retryable() {
    return retryable;
  }
}
