package io.raftjvm.core;

import io.raftjvm.proto.Entry;
import io.raftjvm.proto.Snapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * The log as the core sees it: durable entries in {@link Storage} followed by the {@link
 * UnstableLog}, with the commit and apply cursors.
 *
 * <p>Invariant: {@code applied <= applying <= committed <= lastIndex()}; committed never decreases.
 */
final class RaftLog {
  final Storage storage;
  final UnstableLog unstable;

  /** The configurations in this log: the latest is the one in force (thesis §4.1). */
  final ConfHistory confs;

  /** Highest index known committed (§5.3). Raised by commitTo only. */
  private long committed;

  /** Highest index handed out to be applied. Raised by nextToApply/acceptApplying. */
  private long applying;

  /** Highest index the owner reported applied. Raised by appliedTo. */
  private long applied;

  /** Cap on the bytes of committed entries handed out in one Ready. */
  private final long maxApplyBytes;

  private final RaftLogger logger;

  RaftLog(Storage storage, long maxApplyBytes, RaftLogger logger) {
    this.storage = storage;
    this.logger = logger;
    this.maxApplyBytes = maxApplyBytes;
    this.unstable = new UnstableLog(storage.lastIndex() + 1, logger);
    long first = storage.firstIndex();
    // The latest snapshot covers everything up to its index; the log may keep a few entries
    // before it (for slow followers). The owner restores the state machine from that snapshot.
    long snapIndex = Math.max(first - 1, snapshotIndex(storage));
    this.committed = snapIndex;
    this.applying = snapIndex;
    this.applied = snapIndex;
    // Storage gives the configuration as of the snapshot; the one in force is the latest in the
    // log after it, committed or not: read the log back.
    this.confs = new ConfHistory(snapIndex, storage.initialState().confState());
    long last = storage.lastIndex();
    for (long lo = snapIndex + 1; lo <= last; ) {
      List<Entry> chunk = storage.entries(lo, last + 1, 4L << 20);
      confs.onAppend(chunk);
      lo += chunk.size();
    }
  }

  private static long snapshotIndex(Storage storage) {
    try {
      return storage.snapshot().getMetadata().getIndex();
    } catch (SnapshotUnavailableException e) {
      return 0;
    }
  }

  long committed() {
    return committed;
  }

  long applied() {
    return applied;
  }

  long applying() {
    return applying;
  }

  long firstIndex() {
    long i = unstable.maybeFirstIndex();
    return i >= 0 ? i : storage.firstIndex();
  }

  long lastIndex() {
    long i = unstable.maybeLastIndex();
    return i >= 0 ? i : storage.lastIndex();
  }

  long lastTerm() {
    return term(lastIndex());
  }

  /**
   * Highest index known durable on this server (0 while a received snapshot is not yet durable).
   */
  long lastStableIndex() {
    return unstable.snapshot() != null ? 0 : unstable.offset() - 1;
  }

  /**
   * Term of the entry at index.
   *
   * @throws LogCompactedException below {@code firstIndex() - 1}
   * @throws LogUnavailableException above {@code lastIndex()}
   */
  long term(long index) {
    long t = unstable.maybeTerm(index);
    if (t >= 0) return t;
    long first = firstIndex();
    if (index < first - 1) throw new LogCompactedException(index, first);
    if (index > lastIndex()) throw new LogUnavailableException(index, lastIndex());
    return storage.term(index);
  }

  /** Term at index, or 0 when the index is compacted or beyond the log. */
  long termOrZero(long index) {
    if (!inRange(index)) return 0;
    try {
      return term(index);
    } catch (LogCompactedException | LogUnavailableException e) {
      return 0;
    }
  }

  boolean matchTerm(long index, long term) {
    if (!inRange(index)) return false;
    try {
      return term(index) == term;
    } catch (LogCompactedException | LogUnavailableException e) {
      return false;
    }
  }

  /**
   * Whether {@link #term} knows index, checked without an exception: a follower's new entries lie
   * beyond its log on every AppendEntries, and an exception thrown and caught per message cost a
   * tenth of a follower's CPU.
   */
  private boolean inRange(long index) {
    return index <= lastIndex() && index >= firstIndex() - 1;
  }

  /**
   * The follower side of AppendEntries (§5.3): if the entry at prevIndex has prevTerm, appends
   * ents, replacing entries only from the first real conflict on, and raises commit to {@code
   * min(leaderCommit, prevIndex + ents.size())}.
   *
   * @return the index of the last entry now verified to match the leader's, or -1 on mismatch
   */
  long maybeAppend(long prevIndex, long prevTerm, long leaderCommit, List<Entry> ents) {
    if (!matchTerm(prevIndex, prevTerm)) return -1;
    long lastNew = prevIndex + ents.size();
    long conflict = findConflict(ents);
    if (conflict > 0) {
      if (conflict <= committed) {
        throw new IllegalStateException(
            "entry " + conflict + " conflicts with committed entry (committed " + committed + ")");
      }
      append(ents.subList((int) (conflict - (prevIndex + 1)), ents.size()));
    }
    commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  /** Appends ents after truncating any entries at or after their first index. Returns lastIndex. */
  long append(List<Entry> ents) {
    if (ents.isEmpty()) return lastIndex();
    long after = ents.get(0).getIndex() - 1;
    if (after < committed) {
      throw new IllegalStateException("append after " + after + " is below committed " + committed);
    }
    unstable.truncateAndAppend(ents);
    confs.onAppend(ents);
    return lastIndex();
  }

  /**
   * Index of the first entry of ents that is not in the log with the same term, or 0 when all
   * match. Entries beyond lastIndex count as conflicts (they are new).
   */
  long findConflict(List<Entry> ents) {
    for (Entry e : ents) {
      if (!matchTerm(e.getIndex(), e.getTerm())) {
        if (e.getIndex() <= lastIndex()) {
          logger.debug(
              "found conflict at index {} [existing term {}, conflicting term {}]",
              e.getIndex(),
              termOrZero(e.getIndex()),
              e.getTerm());
        }
        return e.getIndex();
      }
    }
    return 0;
  }

  /**
   * The largest index at or below index whose term is at most term, with its term: every entry
   * after it up to index is certainly not in a log whose entry at index has that term. Drives fast
   * backtracking: one round trip per term, not per entry.
   */
  EntryId findConflictByTerm(long index, long term) {
    long i = Math.min(index, lastIndex());
    while (true) {
      long t;
      try {
        t = term(i);
      } catch (LogCompactedException e) {
        return new EntryId(0, i);
      }
      if (t <= term) return new EntryId(t, i);
      i--;
    }
  }

  /** §5.4.1: a candidate's log is at least as up-to-date as ours. */
  boolean isUpToDate(long lastIdx, long term) {
    long ourTerm = lastTerm();
    return term > ourTerm || (term == ourTerm && lastIdx >= lastIndex());
  }

  /** Raises commit to maxIndex if that entry has term (§5.4.2). */
  boolean maybeCommit(long maxIndex, long term) {
    if (maxIndex > committed && termOrZero(maxIndex) == term) {
      commitTo(maxIndex);
      return true;
    }
    return false;
  }

  void commitTo(long index) {
    if (index <= committed) return;
    if (index > lastIndex()) {
      throw new IllegalStateException(
          "commit "
              + index
              + " is out of range [last index "
              + lastIndex()
              + "]: the log is corrupt, truncated or lost");
    }
    committed = index;
  }

  void appliedTo(long index) {
    if (index < applied) return;
    if (index > applying) {
      throw new IllegalStateException("applied " + index + " beyond handed out " + applying);
    }
    applied = index;
  }

  /** On restart: the state machine already holds everything up to index. */
  void restoreApplied(long index) {
    if (index > committed) {
      throw new IllegalStateException("applied " + index + " is beyond committed " + committed);
    }
    applying = Math.max(applying, index);
    applied = Math.max(applied, index);
  }

  /** Highest index that may be applied: committed and durable here. */
  private long maxApplicable() {
    if (unstable.snapshot() != null) return applying;
    return Math.min(committed, unstable.offset() - 1);
  }

  boolean hasNextToApply() {
    return maxApplicable() > applying;
  }

  /** Committed, durable entries not yet handed out, at most maxApplyBytes (at least one). */
  List<Entry> nextToApply() {
    long hi = maxApplicable();
    if (hi <= applying) return List.of();
    return slice(applying + 1, hi + 1, maxApplyBytes);
  }

  void acceptApplying(long index) {
    applying = Math.max(applying, index);
  }

  /** Entries from lo to the end, at most maxBytes (at least one if any). */
  List<Entry> entries(long lo, long maxBytes) {
    long last = lastIndex();
    if (lo > last) return List.of();
    return slice(lo, last + 1, maxBytes);
  }

  /** Entries [lo, hi) from storage and the unstable log, at most maxBytes (at least one). */
  List<Entry> slice(long lo, long hi, long maxBytes) {
    if (lo > hi) throw new IllegalStateException("invalid slice " + lo + " > " + hi);
    long first = firstIndex();
    if (lo < first) throw new LogCompactedException(lo, first);
    if (hi > lastIndex() + 1) throw new LogUnavailableException(hi - 1, lastIndex());
    if (lo == hi) return List.of();
    long split = unstable.offset();
    List<Entry> out;
    if (lo < split) {
      List<Entry> stored = storage.entries(lo, Math.min(hi, split), maxBytes);
      if (stored.size() < Math.min(hi, split) - lo || hi <= split) return stored;
      out = new ArrayList<>(stored);
    } else {
      out = new ArrayList<>();
    }
    long size = Entries.sizeOf(out);
    for (Entry e : unstable.slice(Math.max(lo, split), hi)) {
      size += e.getSerializedSize();
      if (!out.isEmpty() && size > maxBytes) break;
      out.add(e);
    }
    return out;
  }

  /** A snapshot to send to a follower: the pending unstable one, else the stored one. */
  Snapshot snapshot() {
    Snapshot s = unstable.snapshot();
    return s != null ? s : storage.snapshot();
  }

  /** Replaces the log with a snapshot from the leader; everything up to it is committed. */
  void restore(Snapshot snap) {
    logger.info(
        "log [committed={}, lastIndex={}] restoring snapshot [index={}, term={}]",
        committed,
        lastIndex(),
        snap.getMetadata().getIndex(),
        snap.getMetadata().getTerm());
    committed = snap.getMetadata().getIndex();
    unstable.restore(snap);
    confs.reset(snap.getMetadata().getIndex(), snap.getMetadata().getConfState());
  }

  /** Once the restored snapshot is durable (and the state machine restored from it). */
  void snapshotApplied(long index) {
    applying = Math.max(applying, index);
    applied = Math.max(applied, index);
  }
}
