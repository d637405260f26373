package io.raftjvm.counter;

/**
 * The counter refused a command (its result was {@link CounterCommands#REJECTED}): it was malformed
 * or the add would overflow, and it was applied as a no-op that changed nothing. Thrown on the
 * client side by {@link CounterCommands#decodeValue}.
 */
public final class CommandRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CommandRejectedException() {
    super(
        "counter rejected the command (malformed, or the add would overflow); the value is unchanged");
  }
}
