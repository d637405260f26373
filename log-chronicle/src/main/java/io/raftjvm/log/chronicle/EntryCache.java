package io.raftjvm.log.chronicle;

import io.raftjvm.proto.Entry;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The entries written most recently, kept as the writer was handed them, so that reads of the log's
 * fresh tail skip the queue: the leader sending entries its followers lack, every server applying
 * what it just committed. A read from the queue copies the record out of the mapped file, checks
 * its CRC and builds a new Entry; a read from here does none of that.
 *
 * <p>A slot per index modulo {@link #SLOTS}, written by the writer thread before the index map
 * shows the entry. A reader trusts a slot only when its entry has the index and the term the index
 * map gives for that index (Log Matching, §5.3: the same index and term is the same entry), so an
 * overwritten tail, a reset after a snapshot or a wrapped slot falls back to the queue. Entries
 * with more than {@link #MAX_DATA_BYTES} of data are not kept: the cache holds at most 4,096
 * entries of at most 4 KiB.
 */
final class EntryCache {
  static final int SLOTS = 4096;
  static final int MAX_DATA_BYTES = 4096;

  private final AtomicReferenceArray<Entry> slots = new AtomicReferenceArray<>(SLOTS);

  private static int slot(long index) {
    return (int) (index & (SLOTS - 1));
  }

  /**
   * The writer wrote e (an entry it may hand out again as it is: protobuf messages are immutable).
   */
  void put(Entry e) {
    slots.set(slot(e.getIndex()), e.getData().size() <= MAX_DATA_BYTES ? e : null);
  }

  /** The entry at (index, term) if kept, else null (read it from the queue). */
  Entry get(long index, long term) {
    Entry e = slots.get(slot(index));
    return e != null && e.getIndex() == index && e.getTerm() == term ? e : null;
  }
}
