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
 *
 * <p>Version 1 of the SPI adds events ({@link #opened}, {@link #leaderChanged}, {@link
 * #configurationChanged}) with default implementations: a plugin written for version 0 needs no
 * change. All of them run on the apply thread, in order with apply.
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

  /**
   * Optional, for snapshots that do not stop applying: returns a point-in-time image of the state
   * as of {@link #lastApplied()}, quickly (on the apply thread), which the server writes out on
   * another thread while applying goes on. The default, null, makes the server call {@link
   * #snapshot} on the apply thread instead, and applying waits until it returns.
   */
  default StateSnapshot takeSnapshot() {
    return null;
  }

  /** Replaces the whole state with one written by {@link #snapshot}. */
  void restore(InputStream in) throws IOException;

  // ------------------------------------------------------------- events (SPI version 1)

  /**
   * The server is about to apply: called once, on the apply thread, after the state was restored
   * from the latest snapshot (if any) and before the first {@link #apply}. lastApplied is where
   * applying resumes from.
   */
  default void opened(long lastApplied) {}

  /**
   * This server's view of the leader changed: it leads (leads true, leaderId its own id) or follows
   * leaderId (0 while no leader is known) in term. Called on the apply thread, in order with apply:
   * after every entry this server committed before the change, before any it commits after.
   *
   * <p>Advisory: by the time it runs, leadership may have moved again. Never let it change what
   * {@link #apply} does (apply must depend only on the entries and the state); use it for side work
   * that one server should do, such as scheduling or notifications.
   */
  default void leaderChanged(long term, long leaderId, boolean leads) {}

  /**
   * The configuration in force changed: the servers that vote and the learners. Called on the apply
   * thread, in order with apply, when this server takes up a new configuration: a configuration
   * entry is appended (before it commits, as Raft's single-server changes require), truncated, or
   * restored with a snapshot; once at start with the configuration in force.
   */
  default void configurationChanged(List<Long> voters, List<Long> learners) {}

  /**
   * The server shuts down: called once, after the last apply. Releases what the state machine
   * holds. An exception from any of these event methods stops the server, as one from apply does.
   */
  @Override
  default void close() {}
}
