package io.raftjvm.log.chronicle;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftjvm.core.LogCompactedException;
import io.raftjvm.core.LogStore;
import io.raftjvm.core.LogUnavailableException;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Snapshot;
import io.raftjvm.proto.SnapshotMetadata;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.TailerState;
import net.openhft.chronicle.queue.impl.StoreFileListener;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.impl.single.TableStoreWriteLock;
import net.openhft.chronicle.threads.Pauser;
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
 * <p>Chronicle Queue cannot truncate, so truncation is logical: replaying the queue in order, an
 * ENTRY at an index already present replaces it and drops everything after; a RESET record starts
 * the log afresh after a snapshot. The Raft index to queue index map ({@link IndexMap}) is rebuilt
 * by that replay on open. A torn or corrupt record (a crash in the middle of a write) fails its
 * checksum or is never completed, and is skipped; an entry that would leave a gap is refused.
 *
 * <p>Segments: the queue rolls to a new cycle file once the current one passes {@link
 * Options#segmentBytes()}, driven by a synthetic clock (one cycle per roll, never behind the newest
 * file), so that compaction can delete whole files.
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
  private static final RollCycle ROLL = RollCycles.FAST_HOURLY;

  /**
   * Settings.
   *
   * @param durable force writes to disk on sync (off: faster, loses acknowledged writes on power
   *     loss)
   * @param segmentBytes roll to a new queue file after about this many bytes
   */
  public record Options(boolean durable, long segmentBytes) {
    public Options {
      if (segmentBytes < (1 << 20))
        throw new IllegalArgumentException("segmentBytes must be at least 1 MiB: " + segmentBytes);
    }

    public static Options defaults() {
      return new Options(true, 16L << 20);
    }
  }

  private final Path dir;
  private final Path queueDir;
  private final Options options;
  private SingleChronicleQueue queue;
  private final SetTimeProvider clock;
  private final HardStateFile hardStateFile;
  private final LogBaseFile baseFile;
  private final SnapshotMetaFile snapshotFile;
  private final IndexMap index;
  private final Records records = new Records();
  private final ThreadLocal<ExcerptTailer> tailers;

  /** Queue cycle to its file, as Chronicle reports them. */
  private final Map<Integer, File> cycleFiles = new ConcurrentHashMap<>();

  // Writer-thread state.
  /** Created by the first write, on the writer thread. */
  private ExcerptAppender appender;

  /** Per queue cycle, the highest Raft index the log had when a record went into that cycle. */
  private final TreeMap<Integer, Long> cycleLastIndex = new TreeMap<>();

  /** Hard state as last written to its file. */
  private HardState fileHardState;

  /** Term/vote change not yet written to the file (written after the queue is synced). */
  private HardState pendingHardState;

  /** Commit index last recorded, in the file or a COMMIT record. */
  private long recordedCommit;

  /** Bytes appended to the current cycle file. */
  private long bytesInCycle;

  /** Replay found the newest cycle file closed by an end-of-file marker. */
  private boolean lastCycleClosed;

  /** Replay: the newest installed snapshot (RESET record) at or above the base, or null. */
  private SnapshotMetadata replayedInstall;

  /**
   * {@code recorded} is an installed snapshot that {@code snapshot.meta} does not hold yet: written
   * once its RESET record is forced (next sync, or before a compaction).
   */
  private boolean snapshotFileBehind;

  // Published to readers.
  private volatile HardState hardState;

  /**
   * The (index, term) the log starts after; its membership counts only while no snapshot is
   * recorded.
   */
  private volatile SnapshotMetadata base;

  /** The latest snapshot taken or installed, as in {@code snapshot.meta}; null when none. */
  private volatile SnapshotMetadata recorded;

  private volatile boolean closed;

  /** Held while open: one process per data directory. */
  private final DirectoryLock dirLock;

  private ChronicleLogStore(Path dir, String clusterId, long nodeId, Options options) {
    this.dir = dir;
    this.options = options;
    this.queueDir = dir.resolve(QUEUE_DIR);
    this.hardStateFile = new HardStateFile(dir);
    this.baseFile = new LogBaseFile(dir);
    this.snapshotFile = new SnapshotMetaFile(dir);
    this.index = new IndexMap(0, 0);
    this.clock = new SetTimeProvider(ROLL.lengthInMillis() * 1_000_000L);
    // Tailers are single-threaded: one per reading thread; closing the queue closes them all.
    this.tailers = ThreadLocal.withInitial(() -> queue.createTailer());
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new StorageException("cannot create data directory " + dir + ": " + e.getMessage(), e);
    }
    this.dirLock = DirectoryLock.acquire(dir);
    try {
      openFiles(clusterId, nodeId);
    } catch (RuntimeException e) {
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
    SnapshotMetadata fileSnapshot = snapshotFile.read();
    this.fileHardState = hs;
    index.reset(base.getIndex(), base.getTerm());
    queue =
        SingleChronicleQueueBuilder.binary(queueDir)
            .rollCycle(ROLL)
            // Files are mapped (and grow) a block at a time: a block of one segment keeps what a
            // compacted log holds on disk in proportion to the segment size (default 64 MiB blocks
            // would keep that much per retained file).
            .blockSize(options.segmentBytes())
            .timeProvider(clock)
            .syncMode(options.durable() ? SyncMode.SYNC : SyncMode.NONE)
            .storeFileListener(
                new StoreFileListener() {
                  @Override
                  public void onAcquired(int cycle, File file) {
                    cycleFiles.put(cycle, file);
                  }

                  @Override
                  public void onReleased(int cycle, File file) {}
                })
            .build();
    releaseStaleWriteLocks();
    long commit = replay(hs.getCommit());
    // Appends continue in the newest cycle file, unless it was closed with an end-of-file marker
    // (a crash right after a roll): Chronicle refuses to write after one, so start the next cycle.
    // The clock is never behind the newest file, or Chronicle would write out of order.
    int lastCycle = queue.lastCycle();
    int cycle = lastCycle < 1 ? 1 : lastCycleClosed ? lastCycle + 1 : lastCycle;
    if (cycle != lastCycle) bytesInCycle = 0;
    clock.currentTimeMillis((long) cycle * ROLL.lengthInMillis());
    openSnapshot(fileSnapshot);
    if (recorded != null)
      commit = Math.max(commit, recorded.getIndex()); // a snapshot is of committed state
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

  /**
   * Settles the latest snapshot after replay: the newer of {@code snapshot.meta} and the last
   * installed snapshot replayed. The latter is newer only after a crash between an install's RESET
   * record and its {@code snapshot.meta} write: the install is completed by writing the file.
   */
  private void openSnapshot(SnapshotMetadata fileSnapshot) {
    SnapshotMetadata latest = fileSnapshot;
    boolean completeInstall =
        replayedInstall != null
            && (latest == null || replayedInstall.getIndex() > latest.getIndex());
    if (completeInstall) latest = replayedInstall;
    if (latest != null) {
      long i = latest.getIndex();
      if (i > index.last()) {
        throw refuse(
            snapshotFile.path()
                + ": snapshot index "
                + i
                + " is beyond the last log entry "
                + index.last()
                + " in "
                + queueDir);
      }
      if (i >= index.base() && term(i) != latest.getTerm()) {
        throw refuse(
            snapshotFile.path()
                + ": snapshot at index "
                + i
                + " has term "
                + latest.getTerm()
                + " but the log has term "
                + term(i)
                + " there, in "
                + queueDir);
      }
    }
    if (completeInstall) {
      LOG.warn(
          "{}: completing the install of snapshot {} (term {}) that a crash interrupted",
          dir,
          latest.getIndex(),
          latest.getTerm());
      snapshotFile.write(latest, options.durable());
    }
    this.recorded = latest;
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
   * Chronicle records the pid of the process holding its write lock and waits out a timeout (then
   * fails) when that pid is alive. After a crash the pid may well be alive again, reused by another
   * process or by us (pid 1 in a restarted container), and every restart would fail. Holding the
   * directory's OS lock proves no other process writes here, so any lock still set is stale.
   */
  private void releaseStaleWriteLocks() {
    for (String key : new String[] {"chronicle.write.lock", TableStoreWriteLock.APPEND_LOCK_KEY}) {
      TableStoreWriteLock lock =
          new TableStoreWriteLock(queue.metaStore(), Pauser::balanced, 0L, key);
      try {
        if (lock.locked()) {
          LOG.warn(
              "{}: releasing Chronicle {} left set by a process that is gone (held by pid {})",
              queueDir,
              key,
              lock.lockedBy());
          lock.forceUnlock();
        }
      } finally {
        lock.close();
      }
    }
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

  /** Replays the queue into the index map; returns the commit index found. */
  private long replay(long fileCommit) {
    long commit = fileCommit;
    long skipped = 0;
    int replayCycle = Integer.MIN_VALUE;
    try (ExcerptTailer t = queue.createTailer()) {
      while (true) {
        try (DocumentContext dc = t.readingDocument()) {
          if (!dc.isPresent()) break;
          long q = dc.index();
          int cycle = ROLL.toCycle(q);
          if (cycle != replayCycle) {
            replayCycle = cycle;
            bytesInCycle = 0;
          }
          bytesInCycle += dc.wire().bytes().readRemaining() + 8;
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
            case Records.ENTRY -> replayEntry(d.index(), d.term(), q);
            case Records.COMMIT -> commit = Math.max(commit, d.index());
            case Records.RESET -> replayReset(d);
            default -> throw new IllegalStateException("unknown record kind " + d.kind());
          }
          cycleLastIndex.merge(cycle, index.last(), Math::max);
        }
      }
      lastCycleClosed = t.state() == TailerState.END_OF_CYCLE;
    }
    if (skipped > 0) LOG.warn("{}: skipped {} torn or corrupt record(s)", queueDir, skipped);
    return Math.max(commit, base.getIndex());
  }

  private void replayEntry(long i, long term, long q) {
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

  private void replayReset(Records.Decoded d) {
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
      replayedInstall = base;
      index.reset(d.index(), d.term());
    } else {
      // An older snapshot than the compaction point: it still discards what came before it.
      index.reset(index.base(), index.view().baseTerm());
    }
  }

  // ------------------------------------------------------------------ Storage (any thread)

  /** Membership as of the latest snapshot (of the base when none is recorded). */
  @Override
  public InitialState initialState() {
    return new InitialState(hardState, latestSnapshot().getConfState());
  }

  /** The recorded snapshot, or the base when none is. */
  private SnapshotMetadata latestSnapshot() {
    SnapshotMetadata r = recorded;
    return r != null ? r : base;
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    IndexMap.View v = index.view();
    long last = index.last();
    if (lo <= v.base()) throw new LogCompactedException(lo, v.base() + 1);
    if (hi > last + 1) throw new LogUnavailableException(hi - 1, last);
    List<Entry> out = new ArrayList<>((int) Math.min(hi - lo, 1024));
    ExcerptTailer t = tailers.get();
    long size = 0;
    for (long i = lo; i < hi; i++) {
      Entry e = readAt(t, IndexMap.queueIndexIn(v, i), i);
      size += e.getSerializedSize();
      if (!out.isEmpty() && size > maxBytes) break;
      out.add(e);
    }
    return out;
  }

  private Entry readAt(ExcerptTailer t, long q, long i) {
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
  }

  private RuntimeException missing(long i, long q) {
    if (i <= index.base()) return new LogCompactedException(i, index.base() + 1);
    return new IllegalStateException(
        queueDir + ": entry " + i + " at queue index " + Long.toHexString(q) + " cannot be read");
  }

  @Override
  public long term(long i) {
    IndexMap.View v = index.view();
    if (i < v.base()) throw new LogCompactedException(i, v.base() + 1);
    long last = index.last();
    if (i > last) throw new LogUnavailableException(i, last);
    return IndexMap.termIn(v, i);
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
      if (i <= index.last()) index.truncateFrom(i);
      index.append(i, e.getTerm(), q);
      noteWrite(q, e.getSerializedSize() + 32L);
    }
  }

  private void noteWrite(long q, long bytes) {
    cycleLastIndex.merge(ROLL.toCycle(q), index.last(), Math::max);
    bytesInCycle += bytes;
    if (bytesInCycle >= options.segmentBytes()) roll();
  }

  /**
   * Starts a new cycle file: the old one is synced first, since later syncs cover only the new one.
   */
  private void roll() {
    if (options.durable()) appender.sync();
    int next = appender.cycle() + 1;
    clock.currentTimeMillis((long) next * ROLL.lengthInMillis());
    bytesInCycle = 0;
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
      noteWrite(a.lastIndexAppended(), 45);
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
    recorded = meta;
    snapshotFileBehind = true;
    noteWrite(a.lastIndexAppended(), 64 + conf.length);
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
    snapshotFile.write(meta, options.durable());
    recorded = meta;
    snapshotFileBehind = false;
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
    if (snapshotFileBehind) {
      // The install's RESET record may be in a segment about to go: record the install first.
      forceQueue();
      writeInstalledSnapshot();
    }
    SnapshotMetadata newBase = base.toBuilder().setIndex(upTo).setTerm(term(upTo)).build();
    // The new start must be durable before any file it replaces is deleted.
    baseFile.write(newBase, options.durable());
    base = newBase;
    index.compactTo(upTo);
    int current = appender == null ? Integer.MAX_VALUE : appender.cycle();
    List<Integer> deleted = new ArrayList<>();
    for (Map.Entry<Integer, Long> c : new ArrayList<>(cycleLastIndex.headMap(current).entrySet())) {
      if (c.getValue() > upTo) break;
      File f = cycleFiles.get(c.getKey());
      if (f == null) continue;
      try {
        Files.deleteIfExists(f.toPath());
      } catch (IOException e) {
        LOG.warn("could not delete compacted log file {}: {}", f, e.toString());
        continue;
      }
      cycleLastIndex.remove(c.getKey());
      cycleFiles.remove(c.getKey());
      deleted.add(c.getKey());
    }
    if (!deleted.isEmpty()) {
      queue.refreshDirectoryListing();
      LOG.info("compacted {} up to index {}: deleted {} segment(s)", dir, upTo, deleted.size());
    }
  }

  @Override
  public void sync() {
    checkOpen();
    forceQueue();
    // After the RESET record it stands for.
    if (snapshotFileBehind) writeInstalledSnapshot();
    // After the entries: a hard state never points at entries that are not on disk.
    if (pendingHardState != null) {
      hardStateFile.write(pendingHardState, options.durable());
      fileHardState = pendingHardState;
      recordedCommit = Math.max(recordedCommit, pendingHardState.getCommit());
      pendingHardState = null;
    }
  }

  private void forceQueue() {
    if (options.durable() && appender != null) appender.sync();
  }

  private void writeInstalledSnapshot() {
    snapshotFile.write(recorded, options.durable());
    snapshotFileBehind = false;
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
      dirLock.release();
    }
  }

  /** Number of queue cycle files (segments) currently present. */
  public int segmentCount() {
    try (var files = Files.list(queueDir)) {
      return (int) files.filter(p -> p.toString().endsWith(".cq4")).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
