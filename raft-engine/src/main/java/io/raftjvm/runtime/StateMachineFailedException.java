package io.raftjvm.runtime;

/**
 * The state machine threw while applying committed entries: the node applies nothing more. Names
 * the entries of the batch it was given (it failed on one of them).
 */
public final class StateMachineFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final long firstIndex;
  private final long lastIndex;

  public StateMachineFailedException(long firstIndex, long lastIndex, Throwable cause) {
    super(
        "the state machine threw applying "
            + (firstIndex == lastIndex
                ? "entry " + firstIndex
                : "entries " + firstIndex + ".." + lastIndex)
            + ": "
            + cause,
        cause);
    this.firstIndex = firstIndex;
    this.lastIndex = lastIndex;
  }

  /** The first entry of the batch the state machine failed on. */
  public long firstIndex() {
    return firstIndex;
  }

  /** The last entry of that batch. */
  public long lastIndex() {
    return lastIndex;
  }
}
