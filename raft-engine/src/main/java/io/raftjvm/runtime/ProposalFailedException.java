package io.raftjvm.runtime;

/** A proposal that did not (or may not) take effect; {@link #kind()} says which. */
public final class ProposalFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why the proposal failed. */
  public enum Kind {
    /**
     * Leadership changed, or the node stopped, before the entry was applied here: it was lost or
     * may yet commit. Outcome unknown.
     */
    LEADERSHIP_LOST,
    /** The node is stopping or failed; the proposal was not appended. */
    UNAVAILABLE,
    /** The state machine threw while applying the entry; the node stopped applying. */
    APPLY_FAILED,
    /**
     * The command's session is unknown or expired: it was not applied now (an earlier attempt may
     * have been). The client opens a new session.
     */
    SESSION_EXPIRED
  }

  private final Kind kind;

  public ProposalFailedException(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
