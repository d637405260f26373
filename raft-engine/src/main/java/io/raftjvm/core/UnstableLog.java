package io.raftjvm.core;

import io.raftjvm.proto.Entry;
import io.raftjvm.proto.Snapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * Entries and snapshot this server holds but has not yet been told are durable.
 *
 * <p>Invariants: {@code entries.get(i)} has index {@code offset + i}; if a snapshot is present,
 * {@code offset == snapshot index + 1}; {@code offset <= offsetInProgress <= offset +
 * entries.size()}. Entries below {@code offsetInProgress} have been handed to the owner in a Ready
 * and are being written; they stay readable here until {@link #stableTo} drops them.
 */
final class UnstableLog {
  /** Incoming snapshot not yet durable, or null. Set by restore, cleared by stableSnapTo. */
  private Snapshot snapshot;

  /** Whether snapshot was handed out in a Ready. */
  private boolean snapshotInProgress;

  private final ArrayList<Entry> entries = new ArrayList<>();

  /** Index of entries.get(0). */
  private long offset;

  /** First index not yet handed out for persistence. */
  private long offsetInProgress;

  private final RaftLogger logger;

  UnstableLog(long offset, RaftLogger logger) {
    this.offset = offset;
    this.offsetInProgress = offset;
    this.logger = logger;
  }

  long offset() {
    return offset;
  }

  Snapshot snapshot() {
    return snapshot;
  }

  /** First index if it is known from an unstable snapshot, else -1. */
  long maybeFirstIndex() {
    return snapshot != null ? snapshot.getMetadata().getIndex() + 1 : -1;
  }

  /** Last index if the unstable log knows it, else -1. */
  long maybeLastIndex() {
    if (!entries.isEmpty()) return offset + entries.size() - 1;
    return snapshot != null ? snapshot.getMetadata().getIndex() : -1;
  }

  /** Term at index if the unstable log knows it, else -1. */
  long maybeTerm(long index) {
    if (index < offset) {
      if (snapshot != null && snapshot.getMetadata().getIndex() == index) {
        return snapshot.getMetadata().getTerm();
      }
      return -1;
    }
    long last = maybeLastIndex();
    if (last < 0 || index > last) return -1;
    return entries.get((int) (index - offset)).getTerm();
  }

  boolean hasNextEntries() {
    return offsetInProgress < offset + entries.size();
  }

  /** Entries not yet handed out for persistence. */
  List<Entry> nextEntries() {
    int from = (int) (offsetInProgress - offset);
    return from >= entries.size() ? List.of() : List.copyOf(entries.subList(from, entries.size()));
  }

  /** The snapshot, if present and not yet handed out. */
  Snapshot nextSnapshot() {
    return snapshot == null || snapshotInProgress ? null : snapshot;
  }

  /** Marks everything currently held as handed out for persistence. */
  void acceptInProgress() {
    offsetInProgress = offset + entries.size();
    if (snapshot != null) snapshotInProgress = true;
  }

  /**
   * The owner reports entries up to index (with that term) durable. Ignored if the entry was
   * replaced meanwhile (its term differs) or is already stable.
   */
  void stableTo(long index, long term) {
    long t = maybeTerm(index);
    if (t < 0 || index < offset) return;
    if (t != term) {
      logger.debug("entry {} persisted at term {} was since replaced by term {}", index, term, t);
      return;
    }
    entries.subList(0, (int) (index + 1 - offset)).clear();
    offset = index + 1;
    offsetInProgress = Math.max(offsetInProgress, offset);
    if (entries.isEmpty()) entries.trimToSize();
  }

  void stableSnapTo(long index) {
    if (snapshot != null && snapshot.getMetadata().getIndex() == index) {
      snapshot = null;
      snapshotInProgress = false;
    }
  }

  /** Replaces everything with a snapshot received from the leader (§7). */
  void restore(Snapshot snap) {
    offset = snap.getMetadata().getIndex() + 1;
    offsetInProgress = offset;
    entries.clear();
    snapshot = snap;
    snapshotInProgress = false;
  }

  /** Appends ents, first dropping any held entries at or after ents' first index. */
  void truncateAndAppend(List<Entry> ents) {
    long from = ents.get(0).getIndex();
    if (from == offset + entries.size()) {
      entries.addAll(ents);
    } else if (from <= offset) {
      logger.debug("replacing unstable entries from index {}", from);
      offset = from;
      offsetInProgress = offset;
      entries.clear();
      entries.addAll(ents);
    } else {
      logger.debug("truncating unstable entries before index {}", from);
      entries.subList((int) (from - offset), entries.size()).clear();
      offsetInProgress = Math.min(offsetInProgress, from);
      entries.addAll(ents);
    }
  }

  /** Entries [lo, hi), which must lie within the unstable range. */
  List<Entry> slice(long lo, long hi) {
    if (lo > hi || lo < offset || hi > offset + entries.size()) {
      throw new IllegalStateException(
          "unstable slice ["
              + lo
              + ","
              + hi
              + ") out of bounds ["
              + offset
              + ","
              + (offset + entries.size())
              + ")");
    }
    return entries.subList((int) (lo - offset), (int) (hi - offset));
  }
}
