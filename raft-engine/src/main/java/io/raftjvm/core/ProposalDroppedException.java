package io.raftjvm.core;

/**
 * The leader refused a proposal without appending it: its uncommitted log is full (followers are
 * not keeping up) or it is not accepting proposals right now. Nothing took effect; retry later.
 */
public final class ProposalDroppedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ProposalDroppedException(String message) {
    super(message, null, false, false);
  }
}
