package io.raftjvm.faults.host;

/** A host operation failed (a command exited non-zero, a namespace could not be made); one line. */
public final class HostException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public HostException(String message) {
    super(message);
  }

  public HostException(String message, Throwable cause) {
    super(message, cause);
  }
}
