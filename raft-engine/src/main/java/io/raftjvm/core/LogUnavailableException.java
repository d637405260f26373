package io.raftjvm.core;

/** A log index above the last one was asked for. */
public final class LogUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LogUnavailableException(long index, long lastIndex) {
    super("index " + index + " is beyond the last index " + lastIndex, null, false, false);
  }
}
