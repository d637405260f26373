package io.raftjvm.log.chronicle;

import io.raftjvm.core.LogCompactedException;
import io.raftjvm.core.LogUnavailableException;
import io.raftjvm.proto.Entry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Reads entries and terms, from any thread: the fresh tail from the {@link EntryCache}, the rest
 * from the queue, where each reading thread gets its own tailer (tailers are single-threaded;
 * closing the queue closes them all); indexes are looked up in a snapshot of the index map taken at
 * the start of the read.
 */
final class LogReader {
  private final Path queueDir;
  private final IndexMap index;
  private final ThreadLocal<ExcerptTailer> tailers;
  private final EntryCache cache;

  LogReader(Path queueDir, IndexMap index, EntryCache cache, Supplier<ExcerptTailer> newTailer) {
    this.queueDir = queueDir;
    this.index = index;
    this.cache = cache;
    this.tailers = ThreadLocal.withInitial(newTailer);
  }

  /** Entries [lo, hi), at least one and then at most maxBytes of them. */
  List<Entry> entries(long lo, long hi, long maxBytes) {
    IndexMap.View v = index.view();
    long last = index.last();
    if (lo <= v.base()) throw new LogCompactedException(lo, v.base() + 1);
    if (hi > last + 1) throw new LogUnavailableException(hi - 1, last);
    List<Entry> out = new ArrayList<>((int) Math.min(hi - lo, 1024));
    ExcerptTailer t = null;
    long size = 0;
    for (long i = lo; i < hi; i++) {
      Entry e = cache.get(i, IndexMap.termIn(v, i));
      if (e == null) {
        if (t == null) t = tailers.get();
        e = readAt(t, IndexMap.queueIndexIn(v, i), i);
      }
      size += e.getSerializedSize();
      if (!out.isEmpty() && size > maxBytes) break;
      out.add(e);
    }
    return out;
  }

  long term(long i) {
    IndexMap.View v = index.view();
    if (i < v.base()) throw new LogCompactedException(i, v.base() + 1);
    long last = index.last();
    if (i > last) throw new LogUnavailableException(i, last);
    return IndexMap.termIn(v, i);
  }

  private Entry readAt(ExcerptTailer t, long q, long i) {
    try {
      if (t.index() != q && !t.moveToIndex(q)) throw missing(i, q);
      try (DocumentContext dc = t.readingDocument()) {
        if (!dc.isPresent()) throw missing(i, q);
        Records.Decoded d = Records.read(dc.wire().bytes());
        if (d == null || d.kind() != Records.ENTRY || d.index() != i) {
          throw new IllegalStateException(
              queueDir
                  + ": record at queue index "
                  + Long.toHexString(q)
                  + " is not entry "
                  + i
                  + " (corrupt log)");
        }
        return d.entry();
      }
    } catch (LogCompactedException e) {
      throw e;
    } catch (RuntimeException e) {
      // Compacted while read: its file may be zeroed for reuse under the reader (SegmentRecycler).
      if (i <= index.base()) throw new LogCompactedException(i, index.base() + 1);
      throw e;
    }
  }

  private RuntimeException missing(long i, long q) {
    if (i <= index.base()) return new LogCompactedException(i, index.base() + 1);
    return new IllegalStateException(
        queueDir + ": entry " + i + " at queue index " + Long.toHexString(q) + " cannot be read");
  }
}
