package io.raftjvm.core;

/** A log index below the first available one was asked for: it lives only in a snapshot now. */
public final class LogCompactedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LogCompactedException(long index, long firstIndex) {
    super(
        "index " + index + " is compacted (first available index " + firstIndex + ")",
        null,
        false,
        false);
  }
}
