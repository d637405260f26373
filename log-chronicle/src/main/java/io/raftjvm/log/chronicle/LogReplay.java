package io.raftjvm.log.chronicle;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.SnapshotMetadata;
import java.nio.file.Path;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerState;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the Raft index to queue index map on open by replaying the queue in order (Chronicle
 * Queue cannot truncate, so truncation is logical): an ENTRY at an index already present replaces
 * it and drops everything after; a RESET record starts the log afresh after a snapshot; COMMIT
 * records raise the commit index. A torn or corrupt record (a crash in the middle of a write) fails
 * its checksum or is never completed, and is skipped; an entry that would leave a gap is refused.
 */
final class LogReplay {
  private static final Logger LOG = LoggerFactory.getLogger(LogReplay.class);

  /**
   * What replay found.
   *
   * @param commit the commit index: the greatest of the file's, the COMMIT records' and the base
   * @param base where the log starts after (a RESET at or above the file's base moves it)
   * @param install the newest installed snapshot (RESET record) at or above the base, or null
   * @param lastCycleClosed the newest cycle file ends with an end-of-file marker
   */
  record Result(
      long commit, SnapshotMetadata base, SnapshotMetadata install, boolean lastCycleClosed) {}

  private final Path queueDir;
  private final IndexMap index;
  private SnapshotMetadata base;
  private SnapshotMetadata install;

  private LogReplay(Path queueDir, IndexMap index, SnapshotMetadata base) {
    this.queueDir = queueDir;
    this.index = index;
    this.base = base;
  }

  /** Replays queue into index (reset to base beforehand), telling segments of every record. */
  static Result run(
      SingleChronicleQueue queue,
      Path queueDir,
      IndexMap index,
      SnapshotMetadata base,
      long fileCommit,
      Segments segments) {
    return new LogReplay(queueDir, index, base).replay(queue, fileCommit, segments);
  }

  private Result replay(SingleChronicleQueue queue, long fileCommit, Segments segments) {
    long commit = fileCommit;
    long skipped = 0;
    boolean lastCycleClosed;
    try (ExcerptTailer t = queue.createTailer()) {
      while (true) {
        try (DocumentContext dc = t.readingDocument()) {
          if (!dc.isPresent()) break;
          long q = dc.index();
          segments.replayedBytes(q, dc.wire().bytes().readRemaining() + 8);
          Records.Decoded d = Records.read(dc.wire().bytes());
          if (d == null) {
            skipped++;
            LOG.warn(
                "{}: skipping torn or corrupt record at queue index {}",
                queueDir,
                Long.toHexString(q));
            continue;
          }
          switch (d.kind()) {
            case Records.ENTRY -> entry(d.index(), d.term(), q);
            case Records.COMMIT -> commit = Math.max(commit, d.index());
            case Records.RESET -> reset(d);
            default -> throw new IllegalStateException("unknown record kind " + d.kind());
          }
          segments.replayedRecord(q, index.last());
        }
      }
      lastCycleClosed = t.state() == TailerState.END_OF_CYCLE;
    }
    if (skipped > 0) LOG.warn("{}: skipped {} torn or corrupt record(s)", queueDir, skipped);
    return new Result(Math.max(commit, base.getIndex()), base, install, lastCycleClosed);
  }

  private void entry(long i, long term, long q) {
    if (i <= index.base()) {
      // Compacted (its file outlived the compaction), but it still truncates: it superseded every
      // entry after it, including any above the base replayed from before it.
      if (index.last() > index.base()) index.truncateFrom(index.base() + 1);
      return;
    }
    if (i > index.last() + 1) {
      throw new StorageException(
          queueDir
              + ": entry "
              + i
              + " follows entry "
              + index.last()
              + ": entries are missing (corrupt log)");
    }
    if (i <= index.last()) index.truncateFrom(i);
    index.append(i, term, q);
  }

  private void reset(Records.Decoded d) {
    if (d.index() >= index.base()) {
      ConfState c;
      try {
        c = ConfState.parseFrom(d.conf());
      } catch (InvalidProtocolBufferException e) {
        throw new StorageException(
            queueDir + ": snapshot record with unreadable membership: " + e.getMessage(), e);
      }
      base =
          SnapshotMetadata.newBuilder()
              .setIndex(d.index())
              .setTerm(d.term())
              .setConfState(c)
              .build();
      install = base;
      index.reset(d.index(), d.term());
    } else {
      // An older snapshot than the compaction point: it still discards what came before it.
      index.reset(index.base(), index.view().baseTerm());
    }
  }
}
