package io.raftjvm.core;

import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Snapshot;
import java.util.List;

/**
 * Read-only view of what is durable on this server: the core reads entries through it and never
 * writes. Writes come from the owner, which persists each {@link Ready} and then reports back with
 * {@link RaftNode#onPersisted}; entries not yet durable live in the core's unstable log meanwhile.
 *
 * <p>Indexes: entries occupy {@code [firstIndex(), lastIndex()]}; {@code firstIndex() - 1} is the
 * index of the last snapshot (0 when none), whose term {@link #term} must still answer. An empty
 * log has {@code lastIndex() == firstIndex() - 1}.
 *
 * <p>Called only from the thread that owns the {@link RaftNode}.
 */
public interface Storage {

  /** What the server had persisted when it stopped: hard state and membership. */
  record InitialState(HardState hardState, ConfState confState) {}

  InitialState initialState();

  /**
   * Entries {@code [lo, hi)}, stopping once their serialized size passes maxBytes, but always at
   * least one entry when {@code lo < hi}.
   *
   * @throws LogCompactedException when {@code lo < firstIndex()}
   * @throws LogUnavailableException when {@code hi > lastIndex() + 1}
   */
  List<Entry> entries(long lo, long hi, long maxBytes);

  /**
   * Term of the entry at index, for index in {@code [firstIndex() - 1, lastIndex()]}.
   *
   * @throws LogCompactedException when {@code index < firstIndex() - 1}
   * @throws LogUnavailableException when {@code index > lastIndex()}
   */
  long term(long index);

  long firstIndex();

  long lastIndex();

  /**
   * The most recent snapshot.
   *
   * @throws SnapshotUnavailableException when none can be produced right now
   */
  Snapshot snapshot();
}
