package io.raftjvm.log.chronicle;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.StoreFileListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue's cycle files as log segments. The queue rolls to a new cycle file once the current one
 * passes the segment size, driven by a synthetic clock (one cycle per roll, never behind the newest
 * file), so that compaction can delete whole files: a file goes once every record in it lies at or
 * below the compaction point. Writer thread only, except the file listener (Chronicle's threads).
 */
final class Segments {
  private static final Logger LOG = LoggerFactory.getLogger(Segments.class);
  static final RollCycle ROLL = RollCycles.FAST_HOURLY;

  private final long segmentBytes;
  private final boolean durable;
  private final SetTimeProvider clock = new SetTimeProvider(ROLL.lengthInMillis() * 1_000_000L);

  /** Queue cycle to its file, as Chronicle reports them. */
  private final Map<Integer, File> files = new ConcurrentHashMap<>();

  /**
   * Per queue cycle, the highest Raft index the log had when a record went into that cycle; the
   * cycle being written is kept in {@link #writingCycle} until it is needed or left (a record costs
   * no map update).
   */
  private final TreeMap<Integer, Long> lastIndex = new TreeMap<>();

  private int writingCycle = Integer.MIN_VALUE;
  private long writingLast;

  /** Bytes appended to the current cycle file. */
  private long bytesInCycle;

  private int replayCycle = Integer.MIN_VALUE;

  /** A roll happened since the queue's directory was last synced. */
  private boolean directorySyncDue;

  /** Reuses compacted files; null: they are deleted. */
  private final SegmentRecycler recycler;

  Segments(long segmentBytes, boolean durable, SegmentRecycler recycler) {
    this.segmentBytes = segmentBytes;
    this.durable = durable;
    this.recycler = recycler;
  }

  /** The queue's clock: it names the cycle the next record goes to. */
  SetTimeProvider clock() {
    return clock;
  }

  /** Tells us which file holds each cycle. */
  StoreFileListener listener() {
    return new StoreFileListener() {
      @Override
      public void onAcquired(int cycle, File file) {
        files.put(cycle, file);
      }

      @Override
      public void onReleased(int cycle, File file) {}
    };
  }

  /** Replay: bytes of a record at queue index q (torn ones included). */
  void replayedBytes(long q, long bytes) {
    int cycle = ROLL.toCycle(q);
    if (cycle != replayCycle) {
      replayCycle = cycle;
      bytesInCycle = 0;
    }
    bytesInCycle += bytes;
  }

  /** Replay: the record at queue index q was read, after which the log ended at logLast. */
  void replayedRecord(long q, long logLast) {
    lastIndex.merge(ROLL.toCycle(q), logLast, Math::max);
  }

  /**
   * After replay: appends continue in the newest cycle file, unless it was closed with an
   * end-of-file marker (a crash right after a roll): Chronicle refuses to write after one, so start
   * the next cycle. The clock is never behind the newest file, or Chronicle would write out of
   * order.
   */
  void resume(int lastCycle, boolean lastCycleClosed) {
    int cycle = lastCycle < 1 ? 1 : lastCycleClosed ? lastCycle + 1 : lastCycle;
    if (cycle != lastCycle) bytesInCycle = 0;
    clock.currentTimeMillis((long) cycle * ROLL.lengthInMillis());
    if (recycler != null) recycler.writing(cycle);
  }

  /**
   * A record of about bytes went to queue index q, after which the log ends at logLast. Rolls to a
   * new cycle file once this one is full: the old one is synced first, since later syncs cover only
   * the new one.
   */
  void written(ExcerptAppender a, long q, long bytes, long logLast) {
    int cycle = ROLL.toCycle(q);
    if (cycle != writingCycle) {
      flushWriting();
      writingCycle = cycle;
      writingLast = logLast;
      directorySyncDue = true;
      if (recycler != null) recycler.writing(cycle);
    } else if (logLast > writingLast) {
      writingLast = logLast;
    }
    bytesInCycle += bytes;
    if (bytesInCycle < segmentBytes) return;
    if (durable) a.sync();
    clock.currentTimeMillis((long) (a.cycle() + 1) * ROLL.lengthInMillis());
    bytesInCycle = 0;
  }

  /**
   * Whether the queue's directory must be synced before the next sync counts as durable (and clears
   * it): a roll created or renamed a cycle file since the last one, and a record in a file whose
   * name is not on disk would be lost with the name.
   */
  boolean takeDirectorySync() {
    boolean due = directorySyncDue;
    directorySyncDue = false;
    return due;
  }

  /**
   * Deletes (or hands to the recycler) the files before currentCycle whose records all lie at or
   * below upTo; returns how many went. A file that cannot be deleted stays (and is tried again at
   * the next compaction).
   */
  int deleteUpTo(long upTo, int currentCycle) {
    flushWriting();
    int deleted = 0;
    for (Map.Entry<Integer, Long> c : new ArrayList<>(lastIndex.headMap(currentCycle).entrySet())) {
      if (c.getValue() > upTo) break;
      File f = files.get(c.getKey());
      if (f == null) continue;
      try {
        if (recycler == null || !recycler.take(f)) Files.deleteIfExists(f.toPath());
      } catch (IOException e) {
        LOG.warn("could not delete compacted log file {}: {}", f, e.toString());
        continue;
      }
      lastIndex.remove(c.getKey());
      files.remove(c.getKey());
      deleted++;
    }
    return deleted;
  }

  private void flushWriting() {
    if (writingCycle != Integer.MIN_VALUE) lastIndex.merge(writingCycle, writingLast, Math::max);
  }

  /** Number of cycle files (segments) in queueDir. */
  static int count(Path queueDir) {
    try (var list = Files.list(queueDir)) {
      return (int) list.filter(p -> p.toString().endsWith(".cq4")).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
