package io.raftjvm.client;

import java.util.Objects;

/**
 * Why a {@link RaftClient} request failed. The {@link Kind} says whether the request may still have
 * taken effect: for a propose or membership change with {@link #outcomeUnknown()} true, it may or
 * may not be applied (now or later), and retrying it blindly could apply it twice; with it false,
 * it certainly was not and will not be. Once any attempt of a request may have reached a server
 * without a definite answer, the request ends in success or outcome-unknown, whatever later
 * attempts met. In an exactly-once session (the default) the client retries undecided proposes
 * itself, so only the deadline, the retry limit, closing the client or an expired session leave one
 * undecided.
 */
public final class ClientException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Kind {
    /** No server named a leader before the deadline or the retry limit; nothing was applied. */
    NOT_LEADER_UNKNOWN(false),
    /** No server could take the request (unreachable, overloaded, too many pending requests). */
    UNAVAILABLE(false),
    /**
     * No decisive answer came before the deadline (or the retry limit) although an attempt may have
     * reached a server; a propose may have applied.
     */
    TIMEOUT_OUTCOME_UNKNOWN(true),
    /** The leader lost leadership before the command committed; it may still apply. */
    LEADERSHIP_LOST_OUTCOME_UNKNOWN(true),
    /** The connection broke after the request was sent; a propose may have applied. */
    CONNECTION_LOST_OUTCOME_UNKNOWN(true),
    /** The server failed internally while handling the request; a propose may have applied. */
    SERVER_ERROR_OUTCOME_UNKNOWN(true),
    /**
     * A state machine threw while applying committed entries, and its server stopped: the command
     * may or may not have been applied (by other servers, or by this one once restarted).
     */
    APPLY_FAILED(true),
    /** The request was malformed (e.g. an empty command); retrying will not help. */
    BAD_REQUEST(false),
    /**
     * The request was valid but refused in the cluster's current state (another membership change
     * is pending, the learner has not caught up, the leader is new): nothing took effect, and
     * retrying later may succeed.
     */
    REFUSED(false),
    /**
     * The propose's session expired (the client was idle longer than the servers' session timeout):
     * it was not applied now, but an earlier attempt may have been. The client opens a new session
     * for later proposes.
     */
    SESSION_EXPIRED_OUTCOME_UNKNOWN(true),
    /**
     * The server belongs to another cluster, or runs another state machine, than the client expects
     * ({@link RaftClientOptions.Builder#clusterId}, {@link
     * RaftClientOptions.Builder#stateMachine}): nothing was done; retrying will not help.
     */
    WRONG_CLUSTER(false),
    /**
     * The server and this client have no client protocol version in common (the message names both;
     * see {@link ProtocolVersion}): nothing was done; retrying will not help. Upgrade the older
     * side.
     */
    INCOMPATIBLE_VERSION(false),
    /**
     * The client's certificate does not allow the operation (membership changes, leadership
     * transfer and snapshots need an admin certificate when the servers require client
     * certificates): nothing was done; retrying will not help.
     */
    FORBIDDEN(false),
    /** The client was closed before the request reached any server; nothing was applied. */
    CLOSED(false),
    /** The client was closed after the request was sent; a propose may have applied. */
    CLOSED_OUTCOME_UNKNOWN(true);

    private final boolean outcomeUnknown;

    Kind(boolean outcomeUnknown) {
      this.outcomeUnknown = outcomeUnknown;
    }

    /** Whether a propose failing this way may or may not have been applied. */
    public boolean outcomeUnknown() {
      return outcomeUnknown;
    }
  }

  private final Kind kind;

  public ClientException(Kind kind, String message) {
    this(kind, message, null);
  }

  public ClientException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public Kind kind() {
    return kind;
  }

  /** Whether the failed propose may or may not have been applied. See {@link Kind}. */
  public boolean outcomeUnknown() {
    return kind.outcomeUnknown();
  }

  /** Logs show the kind; {@link #getMessage()} stays the plain sentence the tools print. */
  @Override
  @SuppressWarnings("OverrideThrowableToString")
  public String toString() {
    return "ClientException[" + kind + "]: " + getMessage();
  }
}
