package io.raftjvm.core;

import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import java.util.ArrayList;
import java.util.List;

/**
 * The configurations in a server's log, so that it can always use the latest one, committed or not
 * (thesis §4.1), and fall back to the one before when a conflicting leader truncates it.
 *
 * <p>Holds the configuration in force at a base index (a snapshot's, or 0 for a brand-new
 * server's), then one configuration per configuration entry after it, in index order. When the
 * owner takes a snapshot, configurations before it are dropped (the snapshot records the one in
 * force at its index); there are few of them in between.
 */
final class ConfHistory {
  private record At(long index, ConfState conf) {}

  private final List<At> confs = new ArrayList<>();

  ConfHistory(long baseIndex, ConfState base) {
    confs.add(new At(baseIndex, base));
  }

  /** The configuration in force: the latest in the log. */
  ConfState current() {
    return confs.get(confs.size() - 1).conf();
  }

  /**
   * The configuration the latest entry replaced, or null when the latest is the base (the entry
   * before the latest is kept while the latest is uncommitted: truncation may bring it back).
   */
  ConfState previous() {
    return confs.size() < 2 ? null : confs.get(confs.size() - 2).conf();
  }

  /** Index of the latest configuration entry (the base index when the log holds none after it). */
  long lastIndex() {
    return confs.get(confs.size() - 1).index();
  }

  /** The log now holds ents from their first index on (anything after was truncated). */
  void onAppend(List<Entry> ents) {
    if (ents.isEmpty()) return;
    truncateFrom(ents.get(0).getIndex());
    for (Entry e : ents) {
      if (e.getType() != EntryType.ENTRY_CONF_CHANGE) continue;
      ConfState next;
      try {
        next = ConfChanges.apply(current(), ConfChanges.decode(e));
      } catch (IllegalArgumentException ex) {
        // The leader checked it against the same configuration: a log that disagrees is corrupt.
        throw new IllegalStateException(
            "configuration entry "
                + e.getIndex()
                + "/"
                + e.getTerm()
                + " does not apply to "
                + current()
                + ": "
                + ex.getMessage());
      }
      confs.add(new At(e.getIndex(), next));
    }
  }

  /** Every configuration entry at or after index is gone from the log. */
  private void truncateFrom(long index) {
    while (confs.size() > 1 && confs.get(confs.size() - 1).index() >= index)
      confs.remove(confs.size() - 1);
    if (confs.get(0).index() >= index) {
      throw new IllegalStateException(
          "log truncated to "
              + (index - 1)
              + ", below the configuration base "
              + confs.get(0).index());
    }
  }

  /** A snapshot replaced the log: its configuration is the only one left. */
  void reset(long index, ConfState conf) {
    confs.clear();
    confs.add(new At(index, conf));
  }

  /**
   * A snapshot at index (applied, so committed) now covers the log up to it: configurations before
   * it are never asked for again. Keeps the one in force at index and everything after.
   */
  void compact(long index) {
    int keep = 0;
    while (keep + 1 < confs.size() && confs.get(keep + 1).index() <= index) keep++;
    if (keep > 0) confs.subList(0, keep).clear();
  }

  /** The configuration in force at index: set by the last configuration entry at or before it. */
  ConfState at(long index) {
    if (index < confs.get(0).index()) {
      throw new IllegalArgumentException(
          "configuration at "
              + index
              + " is no longer known (oldest kept: "
              + confs.get(0).index()
              + ")");
    }
    ConfState c = confs.get(0).conf();
    for (At a : confs) {
      if (a.index() > index) break;
      c = a.conf();
    }
    return c;
  }
}
