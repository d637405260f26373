package io.raftjvm.statemachine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * The replicated application: every server feeds it the same committed commands in the same order,
 * so every replica reaches the same state.
 *
 * <p>Threading: {@link #apply} and {@link #restore} are called from one dedicated apply thread of
 * the server, never concurrently with each other and never from a network or Raft thread; a slow
 * apply delays results, not heartbeats. {@link #query} may be called from another thread while
 * apply runs; implementations make it safe (e.g. with immutable snapshots or a read lock).
 *
 * <p>Determinism: apply must depend only on the entries and the state so far: no clocks, random
 * numbers, environment or I/O outcomes, or replicas diverge.
 *
 * <p>Failure: an exception from apply means the entry could not be applied. The server stops
 * applying (it never skips an entry), reports the error, and fails the waiting request.
 */
public interface StateMachine extends AutoCloseable {

  /**
   * Applies committed client commands in index order and returns one result per entry (same order).
   * Indexes increase but may skip: log entries that are not client commands (a new leader's empty
   * marker entry, membership changes) are handled by the server and never passed.
   */
  List<byte[]> apply(List<CommittedEntry> entries);

  /** Answers a read-only query from the current state; must not change it. */
  byte[] query(byte[] query);

  /** Index of the last entry applied (0 when none), as restored or applied. */
  long lastApplied();

  /** Writes the state as of {@link #lastApplied()} to out. */
  void snapshot(OutputStream out) throws IOException;

  /** Replaces the whole state with one written by {@link #snapshot}. */
  void restore(InputStream in) throws IOException;

  @Override
  default void close() {}
}
