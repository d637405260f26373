package io.raftjvm.core;

import io.raftjvm.proto.Entry;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Snapshot;
import io.raftjvm.proto.SnapshotMetadata;
import java.util.List;

/**
 * Durable storage with its write side: what the owner uses to carry out a {@link Ready}, on top of
 * the read-only {@link Storage} view the core uses.
 *
 * <p>Threading: one writer thread calls the mutators; the node's thread reads through {@link
 * Storage} concurrently. A reader only asks for entries it was told are durable (below its unstable
 * log), and those are never mutated while readable, except by {@link #compact}, after which they
 * are no longer asked for. Completion of a write reaches the reader through a happens-before edge
 * (the owner posts it to the node's thread), so implementations need no lock for those entries,
 * only safe publication of their index structures.
 *
 * <p>Nothing written counts as durable until {@link #sync()} returns.
 */
public interface LogStore extends Storage, AutoCloseable {

  /**
   * Appends entries with consecutive indexes. An entry at an index the log already holds replaces
   * it and drops every entry after it (§5.3: a conflicting suffix is replaced). The first index
   * must be at most {@code lastIndex() + 1}; entries at or below the snapshot index are skipped.
   */
  void append(List<Entry> entries);

  /** Records term, vote and commit; durable at the next {@link #sync()}. */
  void setHardState(HardState hardState);

  /**
   * Replaces the whole log with a snapshot received from the leader: afterwards the log is empty,
   * {@code firstIndex() == index + 1} and {@code term(index)} answers the snapshot's term.
   * Snapshots not newer than the current one are ignored.
   */
  void applySnapshot(Snapshot snapshot);

  /**
   * Records, durably before returning, that a snapshot of the state machine as of meta's index
   * exists (its data is kept elsewhere, by the owner). From then on, also after a restart, {@link
   * #snapshot()} returns meta (with no data) and {@code initialState().confState()} is meta's
   * configuration. The log is not changed: entries up to and after meta's index stay until {@link
   * #compact}. Older or equal snapshots than the one recorded are ignored.
   */
  void recordSnapshot(SnapshotMetadata meta);

  /**
   * Discards entries up to and including index, which a durable snapshot covers: reads below index
   * + 1 fail afterwards, and the space is freed (whole segments at a time).
   */
  void compact(long index);

  /** Forces everything written so far to stable storage. */
  void sync();

  @Override
  void close();
}
