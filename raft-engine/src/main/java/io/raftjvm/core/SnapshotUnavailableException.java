package io.raftjvm.core;

/** The storage cannot produce a snapshot right now (one is being built); the core retries later. */
public final class SnapshotUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SnapshotUnavailableException(String why) {
    super(why, null, false, false);
  }
}
