package io.raftjvm.log.chronicle;

import io.raftjvm.core.LogStore;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Snapshot;
import io.raftjvm.proto.SnapshotMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft log on a Chronicle Queue, with the hard state in a small file beside it.
 *
 * <p>Directory layout: {@code node.id} (cluster and node the directory belongs to), {@code
 * hardstate} (term, vote, commit; see {@link HardStateFile}), {@code log.base} (the index and term
 * the log starts after: written on bootstrap and compaction), {@code snapshot.meta} (the latest
 * snapshot: see below) and {@code log/} (the queue; record format in {@link Records}).
 *
 * <p>Snapshots: where the log starts and the latest snapshot are kept apart, since the owner may
 * keep a margin of entries before its snapshot (for slow followers). {@code snapshot.meta} ({@link
 * SnapshotMetaFile}) holds the latest snapshot, taken here ({@link #recordSnapshot}) or installed
 * from the leader ({@link #applySnapshot}); {@link #snapshot()} and the membership of {@link
 * #initialState()} come from it. Only without one (a new cluster, or a directory written before the
 * file existed) does the base stand for the snapshot, membership included. It never names an entry
 * that is not on disk: the queue is forced first. An install appends a RESET record (which carries
 * the whole metadata) and rewrites {@code snapshot.meta} at the next {@link #sync()}, after the
 * queue is forced; a crash in between leaves a RESET newer than the file, which open takes as the
 * latest snapshot and writes to the file (completing the install). {@link #compact} writes any such
 * pending file first, so a RESET record is never deleted before the file that records it.
 *
 * <p>Chronicle Queue cannot truncate, so truncation is logical: the Raft index to queue index map
 * ({@link IndexMap}) is rebuilt on open by replaying the queue ({@link LogReplay}).
 *
 * <p>Segments ({@link Segments}): the queue rolls to a new cycle file once the current one passes
 * {@link Options#segmentBytes()}, so that compaction can delete whole files.
 *
 * <p>Commit index: term and vote changes rewrite {@code hardstate} (after the queue is synced, so
 * commit never points past durable entries); commit-only changes are appended as COMMIT records,
 * and on open commit is the greater of the two.
 *
 * <p>Threading: one writer thread calls the mutators; any thread may read. Each reading thread gets
 * its own tailer; the hard state, the base and the latest snapshot reach readers through volatile
 * fields.
 */
public final class ChronicleLogStore implements LogStore {
  private static final Logger LOG = LoggerFactory.getLogger(ChronicleLogStore.class);
  static final String QUEUE_DIR = "log";

  /**
   * Settings.
   *
   * @param durable force writes to disk on sync (off: faster, loses acknowledged writes on power
   *     loss)
   * @param segmentBytes roll to a new queue file after about this many bytes
   * @param recycleSegments reuse compacted segment files for new segments instead of deleting them
   *     ({@link SegmentRecycler})
   */
  public record Options(boolean durable, long segmentBytes, boolean recycleSegments) {
    public Options {
      if (segmentBytes < (1 << 20))
        throw new IllegalArgumentException("segmentBytes must be at least 1 MiB: " + segmentBytes);
    }

    /** Compacted segment files are reused. */
    public Options(boolean durable, long segmentBytes) {
      this(durable, segmentBytes, true);
    }

    public static Options defaults() {
      return new Options(true, 16L << 20);
    }
  }

  private final Path dir;
  private final Path queueDir;
  private final Options options;
  private SingleChronicleQueue queue;
  private final Segments segments;
  private final SegmentRecycler recycler;
  private final HardStateFile hardStateFile;
  private final LogBaseFile baseFile;
  private final LatestSnapshot latest;
  private final IndexMap index;
  private final Records records = new Records();
  private final LogReader reader;
  private final EntryCache cache = new EntryCache();

  // Writer-thread state.
  /** Created by the first write, on the writer thread. */
  private ExcerptAppender appender;

  /** Hard state as last written to its file. */
  private HardState fileHardState;

  /** Term/vote change not yet written to the file (written after the queue is synced). */
  private HardState pendingHardState;

  /** Commit index last recorded, in the file or a COMMIT record. */
  private long recordedCommit;

  // Published to readers.
  private volatile HardState hardState;

  /**
   * The (index, term) the log starts after; its membership counts only while no snapshot is
   * recorded.
   */
  private volatile SnapshotMetadata base;

  private volatile boolean closed;

  /** Held while open: one process per data directory. */
  private final DirectoryLock dirLock;

  private ChronicleLogStore(Path dir, String clusterId, long nodeId, Options options) {
    this.dir = dir;
    this.options = options;
    this.queueDir = dir.resolve(QUEUE_DIR);
    this.hardStateFile = new HardStateFile(dir);
    this.baseFile = new LogBaseFile(dir);
    this.latest = new LatestSnapshot(dir, options.durable());
    this.index = new IndexMap(0, 0);
    this.recycler =
        options.recycleSegments()
            ? new SegmentRecycler(queueDir, options.durable(), "raft-log-recycler-" + nodeId)
            : null;
    this.segments = new Segments(options.segmentBytes(), options.durable(), recycler);
    this.reader = new LogReader(queueDir, index, cache, () -> queue.createTailer());
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new StorageException("cannot create data directory " + dir + ": " + e.getMessage(), e);
    }
    this.dirLock = DirectoryLock.acquire(dir);
    try {
      openFiles(clusterId, nodeId);
    } catch (RuntimeException e) {
      if (recycler != null) recycler.close();
      dirLock.release();
      throw e;
    }
  }

  private void openFiles(String clusterId, long nodeId) {
    boolean fresh =
        !Files.exists(queueDir)
            && !Files.exists(dir.resolve(HardStateFile.NAME))
            && !Files.exists(dir.resolve(LogBaseFile.NAME))
            && !Files.exists(dir.resolve(SnapshotMetaFile.NAME));
    NodeIdentity.verifyOrCreate(dir, clusterId, nodeId, fresh, options.durable());
    HardState hs = hardStateFile.read();
    this.base = baseFile.read();
    SnapshotMetadata fileSnapshot = latest.readFile();
    this.fileHardState = hs;
    index.reset(base.getIndex(), base.getTerm());
    if (recycler != null && Files.isDirectory(queueDir)) recycler.adoptLeftovers();
    queue =
        SingleChronicleQueueBuilder.binary(queueDir)
            .rollCycle(Segments.ROLL)
            // Files are mapped (and grow) a block at a time: a block of one segment keeps what a
            // compacted log holds on disk in proportion to the segment size (default 64 MiB blocks
            // would keep that much per retained file).
            .blockSize(options.segmentBytes())
            .timeProvider(segments.clock())
            .syncMode(options.durable() ? SyncMode.SYNC : SyncMode.NONE)
            .storeFileListener(segments.listener())
            .build();
    StaleWriteLocks.release(queue, queueDir);
    LogReplay.Result replayed =
        LogReplay.run(queue, queueDir, index, base, hs.getCommit(), segments);
    base = replayed.base();
    long commit = replayed.commit();
    segments.resume(queue.lastCycle(), replayed.lastCycleClosed());
    try {
      latest.open(
          fileSnapshot, replayed.install(), index.base(), index.last(), this::term, queueDir);
    } catch (StorageException e) {
      queue.close();
      throw e;
    }
    if (latest.get() != null)
      commit = Math.max(commit, latest.get().getIndex()); // a snapshot is of committed state
    if (commit > index.last()) {
      throw refuse(
          hardStateFile.path()
              + ": commit index "
              + commit
              + " is beyond the last log entry "
              + index.last()
              + " in "
              + queueDir);
    }
    this.recordedCommit = commit;
    this.hardState = hs.toBuilder().setCommit(commit).build();
    if (!options.durable()) {
      LOG.warn(
          "DURABILITY OFF for {}: log writes are not forced to disk; acknowledged entries can be lost "
              + "on power failure or kernel crash. Use only for benchmarks.",
          dir);
    }
    LOG.info(
        "opened Raft log {} [first index {}, last index {}, term {}, vote {}, commit {}, snapshot {}]",
        dir,
        firstIndex(),
        lastIndex(),
        hs.getTerm(),
        hs.getVote(),
        commit,
        latestSnapshot().getIndex());
  }

  /** Closes the queue opened so far and returns the exception that stops the open. */
  private StorageException refuse(String message) {
    queue.close();
    return new StorageException(message);
  }

  /**
   * Opens (or creates) the log of node nodeId of cluster clusterId in dir.
   *
   * @throws StorageException when dir belongs to another cluster or node, or a file is corrupt or
   *     of an unknown format version; nothing is written in that case
   */
  public static ChronicleLogStore open(Path dir, String clusterId, long nodeId, Options options) {
    Objects.requireNonNull(clusterId, "clusterId");
    if (nodeId == 0) throw new IllegalArgumentException("node id must not be 0");
    return new ChronicleLogStore(dir, clusterId, nodeId, options);
  }

  /**
   * Records the membership of a brand-new cluster; only valid while the log is empty and has never
   * been compacted.
   */
  public void bootstrap(ConfState conf) {
    if (base.getIndex() != 0 || index.last() != 0 || hardState.getTerm() != 0) {
      throw new IllegalStateException(dir + " already holds Raft state; cannot bootstrap it again");
    }
    base = base.toBuilder().setConfState(conf).build();
    baseFile.write(base, options.durable());
  }

  // ------------------------------------------------------------------ Storage (any thread)

  /** Membership as of the latest snapshot (of the base when none is recorded). */
  @Override
  public InitialState initialState() {
    return new InitialState(hardState, latestSnapshot().getConfState());
  }

  /** The recorded snapshot, or the base when none is. */
  private SnapshotMetadata latestSnapshot() {
    SnapshotMetadata r = latest.get();
    return r != null ? r : base;
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    return reader.entries(lo, hi, maxBytes);
  }

  @Override
  public long term(long i) {
    return reader.term(i);
  }

  @Override
  public long firstIndex() {
    return index.base() + 1;
  }

  @Override
  public long lastIndex() {
    return index.last();
  }

  /**
   * The latest snapshot recorded or installed (the base when none is): metadata only, the state
   * machine image is stored elsewhere. Its index may be above {@code firstIndex() - 1} (a margin
   * kept before it) or, after a compaction beyond it, below.
   */
  @Override
  public Snapshot snapshot() {
    return Snapshot.newBuilder().setMetadata(latestSnapshot()).build();
  }

  // ------------------------------------------------------------------ writes (writer thread)

  private ExcerptAppender appender() {
    if (appender == null) appender = queue.createAppender();
    return appender;
  }

  @Override
  public void append(List<Entry> entries) {
    checkOpen();
    ExcerptAppender a = appender();
    for (Entry e : entries) {
      long i = e.getIndex();
      if (i <= index.base()) continue;
      if (i > index.last() + 1) {
        throw new IllegalStateException(
            "append of entry " + i + " would leave a gap after " + index.last());
      }
      try (DocumentContext dc = a.writingDocument()) {
        records.writeEntry(dc.wire().bytes(), e);
      }
      long q = a.lastIndexAppended();
      cache.put(e); // before the index map shows it
      if (i <= index.last()) index.truncateFrom(i);
      index.append(i, e.getTerm(), q);
      segments.written(a, q, e.getSerializedSize() + 32L, index.last());
    }
  }

  @Override
  public void setHardState(HardState hs) {
    checkOpen();
    hardState = hs;
    if (hs.getTerm() != fileHardState.getTerm() || hs.getVote() != fileHardState.getVote()) {
      pendingHardState = hs;
    } else if (hs.getCommit() > recordedCommit) {
      ExcerptAppender a = appender();
      try (DocumentContext dc = a.writingDocument()) {
        records.writeCommit(dc.wire().bytes(), hs.getCommit());
      }
      recordedCommit = hs.getCommit();
      segments.written(a, a.lastIndexAppended(), 45, index.last());
    }
  }

  /**
   * Installs a snapshot from the leader: a RESET record now; {@code snapshot.meta} at the next
   * {@link #sync()}, after that record is forced (see the class comment for a crash in between).
   * Ignored unless newer than both the base and the latest snapshot.
   */
  @Override
  public void applySnapshot(Snapshot snapshot) {
    checkOpen();
    SnapshotMetadata meta = snapshot.getMetadata();
    if (meta.getIndex() <= Math.max(base.getIndex(), latestSnapshot().getIndex())) return;
    ExcerptAppender a = appender();
    byte[] conf = meta.getConfState().toByteArray();
    try (DocumentContext dc = a.writingDocument()) {
      records.writeReset(dc.wire().bytes(), meta.getIndex(), meta.getTerm(), conf);
    }
    index.reset(meta.getIndex(), meta.getTerm());
    base = meta;
    latest.installed(meta);
    segments.written(a, a.lastIndexAppended(), 64 + conf.length, index.last());
  }

  /**
   * Records a snapshot taken here, durably: the queue is forced (the file never names an entry not
   * on disk), then {@code snapshot.meta} replaced. The log is left alone.
   *
   * @throws IllegalStateException when meta's index is beyond the log, or its term is not the log's
   *     at that index (checked while the index is in the log: not after a compaction beyond it)
   */
  @Override
  public void recordSnapshot(SnapshotMetadata meta) {
    checkOpen();
    long i = meta.getIndex();
    if (i <= latestSnapshot().getIndex()) return;
    if (i > index.last()) {
      throw new IllegalStateException(
          "cannot record snapshot " + i + ": beyond the last log index " + index.last());
    }
    if (i >= index.base() && term(i) != meta.getTerm()) {
      throw new IllegalStateException(
          "cannot record snapshot "
              + i
              + " of term "
              + meta.getTerm()
              + ": the log has term "
              + term(i)
              + " at index "
              + i);
    }
    forceQueue();
    latest.taken(meta);
  }

  /**
   * Writes {@code log.base = (upTo, term(upTo))} durably, then deletes the segments all of whose
   * records lie at or below upTo. The base keeps the membership it had, which is read only while no
   * snapshot is recorded. upTo may pass the latest snapshot: the owner decides; the snapshot then
   * stays what {@link #snapshot()} answers, but the entries between it and upTo are gone, and a
   * follower sent that snapshot cannot be caught up from this log.
   */
  @Override
  public void compact(long upTo) {
    checkOpen();
    if (upTo <= base.getIndex()) return;
    if (upTo > index.last())
      throw new IllegalStateException("compact " + upTo + " beyond last index " + index.last());
    if (latest.fileBehind()) {
      // The install's RESET record may be in a segment about to go: record the install first.
      forceQueue();
      latest.writeFile();
    }
    SnapshotMetadata newBase = base.toBuilder().setIndex(upTo).setTerm(term(upTo)).build();
    // The new start must be durable before any file it replaces is deleted.
    baseFile.write(newBase, options.durable());
    base = newBase;
    index.compactTo(upTo);
    int deleted =
        segments.deleteUpTo(upTo, appender == null ? Integer.MAX_VALUE : appender.cycle());
    if (deleted > 0) {
      queue.refreshDirectoryListing();
      LOG.info("compacted {} up to index {}: deleted {} segment(s)", dir, upTo, deleted);
    }
  }

  @Override
  public void sync() {
    checkOpen();
    forceQueue();
    // After the RESET record it stands for.
    if (latest.fileBehind()) latest.writeFile();
    // After the entries: a hard state never points at entries that are not on disk.
    if (pendingHardState != null) {
      hardStateFile.write(pendingHardState, options.durable());
      fileHardState = pendingHardState;
      recordedCommit = Math.max(recordedCommit, pendingHardState.getCommit());
      pendingHardState = null;
    }
  }

  private void forceQueue() {
    if (!options.durable() || appender == null) return;
    appender.sync();
    if (segments.takeDirectorySync()) syncDirectory(queueDir);
  }

  private static void syncDirectory(Path d) {
    try {
      AtomicFile.forceDirectory(d);
    } catch (IOException e) {
      throw new StorageException("cannot sync directory " + d + ": " + e.getMessage(), e);
    }
  }

  private void checkOpen() {
    if (closed) throw new IllegalStateException("log " + dir + " is closed");
  }

  /**
   * Hands writing over to another thread: the thread that wrote so far (e.g. the one that wrote a
   * new cluster's founding entry) stops writing, and the next write may come from any one thread.
   */
  public void releaseWriter() {
    if (appender != null) appender.singleThreadedCheckReset();
  }

  /**
   * Syncs (from the writer thread, or any thread once writes have stopped) and releases the queue.
   */
  @Override
  public void close() {
    if (closed) return;
    try {
      if (appender != null) appender.singleThreadedCheckReset();
      sync();
    } finally {
      closed = true;
      queue.close();
      if (recycler != null) recycler.close();
      dirLock.release();
    }
  }

  /** For tests: waits until the recycler has done what was asked of it so far. */
  void awaitRecycler() throws InterruptedException {
    if (recycler != null) recycler.awaitIdle();
  }

  /** Number of queue cycle files (segments) currently present. */
  public int segmentCount() {
    return Segments.count(queueDir);
  }
}
