package io.raftjvm.core;

import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Snapshot;
import io.raftjvm.proto.SnapshotMetadata;
import java.util.ArrayList;
import java.util.List;

/**
 * In-memory {@link Storage}, the reference implementation used by tests and the simulation, with
 * the write side the owner uses to "persist" a {@link Ready}.
 *
 * <p>Invariant: {@code entries.get(0)} is a dummy entry holding the index and term of the last
 * snapshot (0/0 for none); real entries follow with consecutive indexes.
 *
 * <p>Not thread-safe.
 */
public final class MemoryStorage implements LogStore {
  private HardState hardState = HardState.getDefaultInstance();
  private Snapshot snapshot = Snapshot.getDefaultInstance();

  /** entries.get(i) has index snapshotIndex + i. Mutated by append, compact, applySnapshot. */
  private final ArrayList<Entry> entries = new ArrayList<>();

  public MemoryStorage() {
    entries.add(Entry.getDefaultInstance());
  }

  /** A storage for a brand-new member of the cluster with these voters. */
  public static MemoryStorage bootstrap(long... voters) {
    MemoryStorage s = new MemoryStorage();
    ConfState.Builder conf = ConfState.newBuilder();
    for (long v : voters) conf.addVoters(v);
    s.snapshot =
        Snapshot.newBuilder().setMetadata(SnapshotMetadata.newBuilder().setConfState(conf)).build();
    return s;
  }

  @Override
  public InitialState initialState() {
    return new InitialState(hardState, snapshot.getMetadata().getConfState());
  }

  public HardState hardState() {
    return hardState;
  }

  @Override
  public void setHardState(HardState hs) {
    hardState = hs;
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    long offset = entries.get(0).getIndex();
    if (lo <= offset) throw new LogCompactedException(lo, offset + 1);
    if (hi > lastIndex() + 1) throw new LogUnavailableException(hi - 1, lastIndex());
    return Entries.limitSize(entries.subList((int) (lo - offset), (int) (hi - offset)), maxBytes);
  }

  @Override
  public long term(long index) {
    long offset = entries.get(0).getIndex();
    if (index < offset) throw new LogCompactedException(index, offset + 1);
    if (index - offset >= entries.size()) throw new LogUnavailableException(index, lastIndex());
    return entries.get((int) (index - offset)).getTerm();
  }

  @Override
  public long firstIndex() {
    return entries.get(0).getIndex() + 1;
  }

  @Override
  public long lastIndex() {
    return entries.get(0).getIndex() + entries.size() - 1;
  }

  @Override
  public Snapshot snapshot() {
    return snapshot;
  }

  /**
   * Appends entries, replacing any existing entries from the first new index on (the owner writes
   * what a Ready says, and a Ready may overwrite a conflicting suffix, §5.3). Entries already
   * compacted away are skipped.
   */
  @Override
  public void append(List<Entry> ents) {
    if (ents.isEmpty()) return;
    long first = firstIndex();
    long last = ents.get(ents.size() - 1).getIndex();
    if (last < first) return;
    int skip = first > ents.get(0).getIndex() ? (int) (first - ents.get(0).getIndex()) : 0;
    long from = ents.get(skip).getIndex();
    long offset = entries.get(0).getIndex();
    if (from - offset > entries.size()) {
      throw new IllegalStateException(
          "missing log entries: last index " + lastIndex() + ", appending at " + from);
    }
    entries.subList((int) (from - offset), entries.size()).clear();
    entries.addAll(ents.subList(skip, ents.size()));
  }

  /**
   * Replaces the whole log with a snapshot received from the leader. Older snapshots are ignored.
   */
  @Override
  public void applySnapshot(Snapshot snap) {
    long index = snap.getMetadata().getIndex();
    if (index <= snapshot.getMetadata().getIndex()) return;
    snapshot = snap;
    entries.clear();
    entries.add(Entry.newBuilder().setIndex(index).setTerm(snap.getMetadata().getTerm()).build());
  }

  @Override
  public void recordSnapshot(SnapshotMetadata meta) {
    if (meta.getIndex() <= snapshot.getMetadata().getIndex()) return;
    if (meta.getIndex() > lastIndex()) {
      throw new IllegalStateException(
          "snapshot index " + meta.getIndex() + " beyond last index " + lastIndex());
    }
    snapshot = Snapshot.newBuilder().setMetadata(meta).build();
  }

  /** Records a snapshot of the state machine as of index (which must be in the log). */
  public Snapshot createSnapshot(long index, ConfState conf, com.google.protobuf.ByteString data) {
    if (index <= snapshot.getMetadata().getIndex()) return snapshot;
    if (index > lastIndex()) {
      throw new IllegalStateException(
          "snapshot index " + index + " beyond last index " + lastIndex());
    }
    snapshot =
        Snapshot.newBuilder()
            .setMetadata(
                SnapshotMetadata.newBuilder()
                    .setIndex(index)
                    .setTerm(term(index))
                    .setConfState(conf))
            .setData(data)
            .build();
    return snapshot;
  }

  /** Discards entries up to and including index, which must be covered by a snapshot or applied. */
  @Override
  public void compact(long index) {
    long offset = entries.get(0).getIndex();
    if (index <= offset) return;
    if (index > lastIndex()) {
      throw new IllegalStateException("compact " + index + " beyond last index " + lastIndex());
    }
    Entry dummy = Entry.newBuilder().setIndex(index).setTerm(term(index)).build();
    entries.subList(0, (int) (index - offset) + 1).clear();
    entries.add(0, dummy);
  }

  /** Nothing to do: memory is as durable as this store gets. */
  @Override
  public void sync() {}

  @Override
  public void close() {}

  /** A deep copy: what a crashed server would find on its disk. */
  public MemoryStorage copy() {
    MemoryStorage c = new MemoryStorage();
    c.hardState = hardState;
    c.snapshot = snapshot;
    c.entries.clear();
    c.entries.addAll(entries);
    return c;
  }
}
