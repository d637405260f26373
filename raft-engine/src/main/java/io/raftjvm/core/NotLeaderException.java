package io.raftjvm.core;

/**
 * A proposal reached a server that is not the leader; {@link #leaderHint()} names the leader if
 * known.
 */
public final class NotLeaderException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final long leaderHint;

  public NotLeaderException(long self, long leaderHint) {
    super(
        "node "
            + self
            + " is not the leader"
            + (leaderHint == 0 ? " (leader unknown)" : " (leader is " + leaderHint + ")"),
        null,
        false,
        false);
    this.leaderHint = leaderHint;
  }

  /** The leader's id as this server last knew it, or 0 when unknown. */
  public long leaderHint() {
    return leaderHint;
  }
}
