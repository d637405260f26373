package io.raftjvm.log.chronicle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.core.LogCompactedException;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Snapshot;
import io.raftjvm.proto.SnapshotMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.impl.single.TableStoreWriteLock;
import net.openhft.chronicle.threads.Pauser;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the Chronicle store does beyond the storage contract: identity, corrupt files, segments,
 * threads.
 */
@DisplayName("ChronicleLogStore")
class ChronicleLogStoreTest {
  @TempDir Path dir;

  private static final ChronicleLogStore.Options SMALL_SEGMENTS =
      new ChronicleLogStore.Options(true, 1 << 20);

  private ChronicleLogStore open() {
    return ChronicleLogStore.open(dir, "c1", 1, SMALL_SEGMENTS);
  }

  private static List<Entry> entries(long lo, long hi, long term, int size) {
    List<Entry> out = new ArrayList<>();
    for (long i = lo; i <= hi; i++) {
      byte[] data = new byte[size];
      ByteBuffer.wrap(data).putLong(0, i);
      out.add(
          Entry.newBuilder().setIndex(i).setTerm(term).setData(ByteString.copyFrom(data)).build());
    }
    return out;
  }

  private void seed() {
    try (ChronicleLogStore s = open()) {
      s.bootstrap(ConfState.newBuilder().addVoters(1).build());
      s.append(entries(1, 3, 1, 10));
      s.setHardState(HardState.newBuilder().setTerm(1).setVote(1).setCommit(2).build());
      s.sync();
    }
  }

  @Test
  void refusesADirectoryOfAnotherCluster() {
    seed();
    StorageException e =
        assertThrows(
            StorageException.class, () -> ChronicleLogStore.open(dir, "other", 1, SMALL_SEGMENTS));
    assertTrue(e.getMessage().contains(dir.resolve("node.id").toString()), e.getMessage());
    assertTrue(e.getMessage().contains("cluster 'c1'"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void refusesADirectoryOfAnotherNode() {
    seed();
    StorageException e =
        assertThrows(
            StorageException.class, () -> ChronicleLogStore.open(dir, "c1", 2, SMALL_SEGMENTS));
    assertTrue(e.getMessage().contains("belongs to node 1, not node 2"), e.getMessage());
  }

  @Test
  void refusesACorruptHardStateFileAndLeavesItAlone() throws Exception {
    seed();
    Path hs = dir.resolve("hardstate");
    byte[] bytes = Files.readAllBytes(hs);
    bytes[14] ^= 0x40;
    Files.write(hs, bytes);
    StorageException e = assertThrows(StorageException.class, this::open);
    assertEquals("corrupt file " + hs + ": checksum mismatch", e.getMessage());
    assertArrayEquals(bytes, Files.readAllBytes(hs));
  }

  @Test
  void refusesAnUnknownFormatVersion() throws Exception {
    seed();
    Path hs = dir.resolve("hardstate");
    byte[] bytes = Files.readAllBytes(hs);
    bytes[7] = 9;
    Files.write(hs, bytes);
    StorageException e = assertThrows(StorageException.class, this::open);
    assertEquals(hs + ": unknown format version 9 (this server reads 1)", e.getMessage());
  }

  @Test
  void refusesLogDataWithoutAnIdentityFile() throws Exception {
    seed();
    Files.delete(dir.resolve("node.id"));
    StorageException e = assertThrows(StorageException.class, this::open);
    assertTrue(e.getMessage().contains("node.id is missing"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("node.id")));
  }

  @Test
  void refusesADirectoryAnotherStoreHasOpen() {
    seed();
    try (ChronicleLogStore first = open()) {
      StorageException e = assertThrows(StorageException.class, this::open);
      assertEquals(
          dir.resolve("LOCK") + " is locked: another server is using this data directory",
          e.getMessage());
      assertEquals(3, first.lastIndex());
    }
    try (ChronicleLogStore again = open()) {
      assertEquals(3, again.lastIndex());
    }
  }

  /**
   * Chronicle's write lock left set under a pid that is alive (here: our own, as after a crash in a
   * container that restarts the server as the same pid) is released on open, so the first append
   * does not time out.
   */
  @Test
  void releasesAStaleChronicleWriteLockHeldUnderALivePid() {
    seed();
    try (SingleChronicleQueue q = SingleChronicleQueueBuilder.binary(dir.resolve("log")).build()) {
      TableStoreWriteLock lock = new TableStoreWriteLock(q.metaStore(), Pauser::balanced, 1_000L);
      lock.lock();
      assertTrue(lock.locked());
    }
    // Without the release, this append waits out Chronicle's lock timeout and throws.
    try (ChronicleLogStore s = open()) {
      s.append(entries(4, 4, 1, 10));
      s.sync();
      assertEquals(4, s.lastIndex());
    }
  }

  /**
   * A crash right after a roll can leave the newest cycle file closed with an end-of-file marker
   * and no newer file: the next open must write into a new cycle, not after the marker.
   */
  @Test
  void appendsAfterACrashThatClosedTheNewestSegment() throws Exception {
    seed();
    Path queueDir = dir.resolve("log");
    List<Path> before;
    try (var files = Files.list(queueDir)) {
      before = files.filter(p -> p.toString().endsWith(".cq4")).toList();
    }
    // What the crashed writer did: roll (writing the marker into the old file), then die before the
    // new file held anything. Reproduced with Chronicle directly, then the new file removed.
    RollCycle roll = RollCycles.FAST_HOURLY;
    SetTimeProvider clock = new SetTimeProvider(roll.lengthInMillis() * 1_000_000L);
    try (SingleChronicleQueue q =
        SingleChronicleQueueBuilder.binary(queueDir).rollCycle(roll).timeProvider(clock).build()) {
      clock.currentTimeMillis((long) (q.lastCycle() + 1) * roll.lengthInMillis());
      try (ExcerptAppender a = q.createAppender();
          DocumentContext dc = a.writingDocument()) {
        dc.wire().bytes().writeLong(0);
      }
    }
    try (var files = Files.list(queueDir)) {
      for (Path p : files.filter(p -> p.toString().endsWith(".cq4")).toList()) {
        if (!before.contains(p)) Files.delete(p);
      }
    }
    try (ChronicleLogStore s = open()) {
      assertEquals(3, s.lastIndex());
      s.append(entries(4, 5, 1, 10));
      s.sync();
    }
    try (ChronicleLogStore s = open()) {
      assertEquals(entries(4, 5, 1, 10), s.entries(4, 6, Long.MAX_VALUE));
    }
  }

  @Test
  void commitRecordedWithoutTermChangeSurvivesReopen() {
    seed();
    try (ChronicleLogStore s = open()) {
      assertEquals(2, s.initialState().hardState().getCommit());
      s.setHardState(HardState.newBuilder().setTerm(1).setVote(1).setCommit(3).build());
      s.sync();
    }
    try (ChronicleLogStore s = open()) {
      assertEquals(
          HardState.newBuilder().setTerm(1).setVote(1).setCommit(3).build(),
          s.initialState().hardState());
    }
  }

  /**
   * The server writes a new cluster's founding entry on its main thread, then the log writer takes
   * over.
   */
  @Test
  void anotherThreadWritesAfterReleaseWriter() throws Exception {
    try (ChronicleLogStore s = open()) {
      s.append(entries(1, 1, 1, 10));
      s.sync();
      s.releaseWriter();
      Thread writer =
          new Thread(
              () -> {
                s.append(entries(2, 5, 1, 10));
                s.sync();
                s.releaseWriter();
              });
      AtomicReference<Throwable> failure = new AtomicReference<>();
      writer.setUncaughtExceptionHandler((t, e) -> failure.set(e));
      writer.start();
      writer.join();
      assertEquals(null, failure.get());
      assertEquals(5, s.lastIndex());
    }
  }

  /**
   * Appends batches of 100 entries of 1000 bytes after last, syncing (and letting the recycler
   * catch up) after each; returns the new last index.
   */
  private static long appendBatches(ChronicleLogStore s, long last, int batches)
      throws InterruptedException {
    for (int batch = 0; batch < batches; batch++) {
      s.append(entries(last + 1, last + 100, 1, 1000));
      last += 100;
      s.sync();
      s.awaitRecycler();
    }
    return last;
  }

  @Test
  void rollsSegmentsAndCompactionDeletesWholeFiles() throws Exception {
    long last = 0;
    try (ChronicleLogStore s = open()) {
      s.bootstrap(ConfState.newBuilder().addVoters(1).build());
      last = appendBatches(s, last, 40);
      int before = s.segmentCount();
      assertTrue(
          before >= 3,
          "4 MB of entries in 1 MiB segments should make several files, got " + before);
      s.compact(3000);
      int after = s.segmentCount();
      assertTrue(after < before, "compaction deleted nothing: " + before + " -> " + after);
      assertEquals(3001, s.firstIndex());
      assertThrows(LogCompactedException.class, () -> s.entries(2999, 3001, Long.MAX_VALUE));
      assertEquals(entries(3001, 4000, 1, 1000), s.entries(3001, 4001, Long.MAX_VALUE));
    }
    try (ChronicleLogStore s = open()) {
      assertEquals(3001, s.firstIndex());
      assertEquals(4000, s.lastIndex());
      assertEquals(1, s.term(3000));
      assertEquals(entries(3001, 4000, 1, 1000), s.entries(3001, 4001, Long.MAX_VALUE));
      s.append(entries(4001, 4001, 2, 10));
      s.sync();
    }
  }

  /** Inode numbers of the queue's cycle files. */
  private Set<Object> cycleFileInodes() throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve(ChronicleLogStore.QUEUE_DIR))) {
      Set<Object> inodes = new HashSet<>();
      for (Path f : files.filter(f -> f.toString().endsWith(".cq4")).toList())
        inodes.add(Files.getAttribute(f, "unix:ino"));
      return inodes;
    }
  }

  private long queueFiles(String suffix) throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve(ChronicleLogStore.QUEUE_DIR))) {
      return files.filter(f -> f.toString().endsWith(suffix)).count();
    }
  }

  /**
   * Compaction sets whole files aside instead of deleting them, and a later roll writes into one of
   * them (the same inode, zeroed): the entries written there read back, after a reopen too.
   */
  @Test
  void compactedFilesAreReusedForLaterSegments() throws Exception {
    long last = 0;
    try (ChronicleLogStore s = open()) {
      s.bootstrap(ConfState.newBuilder().addVoters(1).build());
      last = appendBatches(s, last, 40);
      Set<Object> taken = cycleFileInodes();
      s.compact(3000);
      s.awaitRecycler();
      taken.removeAll(cycleFileInodes());
      assertFalse(taken.isEmpty(), "compaction took no file");
      assertTrue(
          queueFiles(SegmentRecycler.SPARE) + queueFiles(SegmentRecycler.PRECREATED) > 0,
          "nothing was kept for reuse");
      last = appendBatches(s, last, 30);
      Set<Object> reused = cycleFileInodes();
      reused.retainAll(taken);
      assertFalse(reused.isEmpty(), "no later segment is a file compaction took");
      assertEquals(entries(3001, last, 1, 1000), s.entries(3001, last + 1, Long.MAX_VALUE));
    }
    try (ChronicleLogStore s = open()) {
      assertEquals(3001, s.firstIndex());
      assertEquals(last, s.lastIndex());
      assertEquals(entries(3001, last, 1, 1000), s.entries(3001, last + 1, Long.MAX_VALUE));
    }
  }

  /**
   * Where the file system cannot zero a range of a file (tmpfs), compaction deletes files as it did
   * before recycling: nothing is left aside, and the log reads back.
   */
  @Test
  void whereRangesCannotBeZeroedCompactionDeletes() throws Exception {
    Path shm = Path.of("/dev/shm");
    assertTrue(
        Files.isDirectory(shm),
        "this test needs a tmpfs at /dev/shm (a file system where fallocate cannot zero a range)");
    Path d = Files.createTempDirectory(shm, "recycle-");
    try {
      long last = 0;
      try (ChronicleLogStore s = ChronicleLogStore.open(d, "c1", 1, SMALL_SEGMENTS)) {
        s.bootstrap(ConfState.newBuilder().addVoters(1).build());
        for (int round = 1; round <= 3; round++) {
          last = appendBatches(s, last, 20);
          int before = s.segmentCount();
          s.compact(last - 500);
          s.awaitRecycler();
          assertTrue(s.segmentCount() < before, "round " + round + ": compaction deleted nothing");
        }
        assertEquals(
            entries(last - 499, last, 1, 1000), s.entries(last - 499, last + 1, Long.MAX_VALUE));
      }
      try (Stream<Path> files = Files.list(d.resolve(ChronicleLogStore.QUEUE_DIR))) {
        assertEquals(
            List.of(),
            files
                .map(f -> f.getFileName().toString())
                .filter(n -> !n.endsWith(".cq4") && !n.endsWith(".cq4t"))
                .toList());
      }
    } finally {
      try (Stream<Path> files = Files.walk(d)) {
        for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
      }
    }
  }

  /**
   * A file a crash left under the recycler's names may hold anything (records Chronicle wrote into
   * a pre-created file whose rename was lost): it is zeroed again before a roll uses it.
   */
  @Test
  void leftoverRecycledFilesAreZeroedBeforeUse() throws Exception {
    long last = 0;
    try (ChronicleLogStore s = open()) {
      s.bootstrap(ConfState.newBuilder().addVoters(1).build());
      s.append(entries(1, 100, 1, 1000));
      last = 100;
      s.sync();
    }
    Path queueDir = dir.resolve(ChronicleLogStore.QUEUE_DIR);
    Path current;
    try (Stream<Path> files = Files.list(queueDir)) {
      current = files.filter(f -> f.toString().endsWith(".cq4")).findFirst().orElseThrow();
    }
    String name = current.getFileName().toString().replace(".cq4", "");
    int cycle =
        (int)
            (LocalDateTime.parse(name, DateTimeFormatter.ofPattern(Segments.ROLL.format()))
                    .toEpochSecond(ZoneOffset.UTC)
                * 1000
                / Segments.ROLL.lengthInMillis());
    assertEquals(name, SegmentRecycler.cycleName(cycle));
    // Leftovers as a crash leaves them: files with records in them (a copy of a written segment).
    for (int c = cycle + 1; c <= cycle + 3; c++)
      Files.copy(
          current, queueDir.resolve(SegmentRecycler.cycleName(c) + SegmentRecycler.PRECREATED));
    Files.copy(current, queueDir.resolve("segment-1" + SegmentRecycler.SPARE));
    Files.copy(current, queueDir.resolve("segment-2" + SegmentRecycler.RECYCLED));
    try (ChronicleLogStore s = open()) {
      last = appendBatches(s, last, 40);
      assertTrue(s.segmentCount() >= 3);
      assertEquals(entries(1, last, 1, 1000), s.entries(1, last + 1, Long.MAX_VALUE));
    }
    try (Stream<Path> files = Files.list(queueDir)) {
      List<String> others =
          files
              .map(f -> f.getFileName().toString())
              .filter(
                  n ->
                      !n.endsWith(".cq4")
                          && !n.endsWith(".cq4t")
                          && !n.endsWith(SegmentRecycler.SPARE)
                          && !n.endsWith(SegmentRecycler.PRECREATED))
              .toList();
      assertEquals(List.of(), others, "files Chronicle could not use were set aside");
    }
    try (ChronicleLogStore s = open()) {
      assertEquals(last, s.lastIndex());
      assertEquals(entries(1, last, 1, 1000), s.entries(1, last + 1, Long.MAX_VALUE));
    }
  }

  /**
   * A reader thread reads only what the writer thread has published as durable, as the node's loop
   * does, while the writer keeps appending and sometimes overwrites above the durable point.
   */
  @Test
  void readerThreadSeesEverythingPublishedDurable() throws Exception {
    AtomicLong durable = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (ChronicleLogStore s = open()) {
      s.bootstrap(ConfState.newBuilder().addVoters(1).build());
      Thread writer =
          new Thread(
              () -> {
                try {
                  long last = 0;
                  for (int batch = 0; batch < 300; batch++) {
                    s.append(entries(last + 1, last + 20, 1, 200));
                    last += 20;
                    s.sync();
                    durable.set(last);
                  }
                } catch (Throwable t) {
                  failure.set(t);
                }
              },
              "writer");
      writer.start();
      long checked = 0;
      while ((writer.isAlive() || checked < durable.get()) && failure.get() == null) {
        long upTo = durable.get();
        if (upTo > checked) {
          List<Entry> got = s.entries(checked + 1, upTo + 1, Long.MAX_VALUE);
          assertEquals(entries(checked + 1, upTo, 1, 200), got);
          checked = upTo;
        } else {
          Thread.onSpinWait();
        }
      }
      writer.join(60_000);
      if (failure.get() != null) throw new AssertionError(failure.get());
      assertEquals(6000, checked);
    }
  }

  // ------------------------------------------------------------------ snapshots

  private static final ConfState FOUNDERS = ConfState.newBuilder().addVoters(1).build();
  private static final ConfState LATER =
      ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(4).build();

  private static SnapshotMetadata snap(long index, long term, ConfState conf) {
    return SnapshotMetadata.newBuilder().setIndex(index).setTerm(term).setConfState(conf).build();
  }

  /** A bootstrapped log holding 1..20 at term 1 and 21..40 at term 2. */
  private void seedForty() {
    try (ChronicleLogStore s = open()) {
      s.bootstrap(FOUNDERS);
      s.append(entries(1, 20, 1, 10));
      s.append(entries(21, 40, 2, 10));
      s.setHardState(HardState.newBuilder().setTerm(2).setVote(1).setCommit(40).build());
      s.sync();
    }
  }

  @Test
  void refusesACorruptSnapshotMetaFileAndLeavesItAlone() throws Exception {
    seedForty();
    try (ChronicleLogStore s = open()) {
      s.recordSnapshot(snap(30, 2, LATER));
    }
    Path file = dir.resolve("snapshot.meta");
    byte[] bytes = Files.readAllBytes(file);
    bytes[13] ^= 0x40;
    Files.write(file, bytes);
    StorageException e = assertThrows(StorageException.class, this::open);
    assertEquals("corrupt file " + file + ": checksum mismatch", e.getMessage());
    assertArrayEquals(bytes, Files.readAllBytes(file));

    bytes[13] ^= 0x40;
    bytes[7] = 7;
    Files.write(file, bytes);
    e = assertThrows(StorageException.class, this::open);
    assertEquals(file + ": unknown format version 7 (this server reads 1)", e.getMessage());
  }

  /** The store refuses a snapshot.meta that names entries the log does not hold, in one line. */
  @Test
  void refusesASnapshotMetaFileBeyondOrAgainstTheLog() {
    seedForty();
    SnapshotMetaFile file = new SnapshotMetaFile(dir);
    file.write(snap(41, 2, LATER), true);
    StorageException e = assertThrows(StorageException.class, this::open);
    assertEquals(
        file.path()
            + ": snapshot index 41 is beyond the last log entry 40 in "
            + dir.resolve("log"),
        e.getMessage());
    file.write(snap(30, 3, LATER), true);
    e = assertThrows(StorageException.class, this::open);
    assertTrue(
        e.getMessage()
            .startsWith(file.path() + ": snapshot at index 30 has term 3 but the log has term 2"),
        e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
    // The refusals left the directory usable.
    file.write(snap(30, 2, LATER), true);
    try (ChronicleLogStore s = open()) {
      assertEquals(snap(30, 2, LATER), s.snapshot().getMetadata());
    }
  }

  @Test
  void recordingASnapshotWithAWrongTermOrBeyondTheLogIsRefused() {
    seedForty();
    try (ChronicleLogStore s = open()) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> s.recordSnapshot(snap(30, 1, LATER)));
      assertEquals(
          "cannot record snapshot 30 of term 1: the log has term 2 at index 30", e.getMessage());
      e = assertThrows(IllegalStateException.class, () -> s.recordSnapshot(snap(41, 2, LATER)));
      assertEquals("cannot record snapshot 41: beyond the last log index 40", e.getMessage());
      assertEquals(0, s.snapshot().getMetadata().getIndex());
      assertEquals(FOUNDERS, s.initialState().confState());
      assertFalse(Files.exists(dir.resolve("snapshot.meta")));
      s.recordSnapshot(snap(30, 2, LATER));
      s.recordSnapshot(snap(30, 2, FOUNDERS));
      assertEquals(snap(30, 2, LATER), s.snapshot().getMetadata(), "an equal snapshot is ignored");
    }
  }

  /**
   * Compaction beyond the recorded snapshot is allowed; the snapshot and its membership stay what
   * the store answers (the base's membership, the founders', is never read again).
   */
  @Test
  void compactionBeyondTheRecordedSnapshotKeepsItAndItsMembership() {
    seedForty();
    try (ChronicleLogStore s = open()) {
      s.recordSnapshot(snap(25, 2, LATER));
      s.compact(35);
      assertEquals(36, s.firstIndex());
      assertEquals(snap(25, 2, LATER), s.snapshot().getMetadata());
    }
    try (ChronicleLogStore s = open()) {
      assertEquals(36, s.firstIndex());
      assertEquals(2, s.term(35));
      assertEquals(snap(25, 2, LATER), s.snapshot().getMetadata());
      assertEquals(LATER, s.initialState().confState());
      assertEquals(
          FOUNDERS, new LogBaseFile(dir).read().getConfState(), "the base keeps what it held");
    }
  }

  /** recordSnapshot then compact, with a crash between the two: log.base never written. */
  @Test
  void aCrashBetweenRecordingASnapshotAndCompactingReopensWithTheSnapshotAndTheWholeLog()
      throws Exception {
    seedForty();
    byte[] oldBase = Files.readAllBytes(dir.resolve("log.base"));
    try (ChronicleLogStore s = open()) {
      s.recordSnapshot(snap(30, 2, LATER));
      s.compact(28);
    }
    Files.write(dir.resolve("log.base"), oldBase); // as if the crash came before the compaction
    try (ChronicleLogStore s = open()) {
      assertEquals(1, s.firstIndex());
      assertEquals(40, s.lastIndex());
      assertEquals(snap(30, 2, LATER), s.snapshot().getMetadata());
      assertEquals(LATER, s.initialState().confState());
      List<Entry> all = new ArrayList<>(entries(1, 20, 1, 10));
      all.addAll(entries(21, 40, 2, 10));
      assertEquals(all, s.entries(1, 41, Long.MAX_VALUE));
      s.compact(28);
    }
    try (ChronicleLogStore s = open()) {
      assertEquals(29, s.firstIndex());
      assertEquals(snap(30, 2, LATER), s.snapshot().getMetadata());
    }
  }

  @Test
  void anInstalledSnapshotSurvivesReopenWithItsMembership() throws Exception {
    seedForty();
    try (ChronicleLogStore s = open()) {
      s.recordSnapshot(snap(10, 1, FOUNDERS));
      s.applySnapshot(Snapshot.newBuilder().setMetadata(snap(60, 5, LATER)).build());
      assertEquals(snap(60, 5, LATER), s.snapshot().getMetadata());
      assertEquals(LATER, s.initialState().confState());
      s.append(entries(61, 70, 5, 10));
      s.sync();
      assertEquals(snap(60, 5, LATER), new SnapshotMetaFile(dir).read());
      s.applySnapshot(Snapshot.newBuilder().setMetadata(snap(50, 5, FOUNDERS)).build());
      assertEquals(70, s.lastIndex(), "an older snapshot is ignored");
    }
    try (ChronicleLogStore s = open()) {
      assertEquals(61, s.firstIndex());
      assertEquals(70, s.lastIndex());
      assertEquals(5, s.term(60));
      assertEquals(snap(60, 5, LATER), s.snapshot().getMetadata());
      assertEquals(LATER, s.initialState().confState());
      assertEquals(entries(61, 70, 5, 10), s.entries(61, 71, Long.MAX_VALUE));
      s.compact(65);
    }
    try (ChronicleLogStore s = open()) {
      assertEquals(66, s.firstIndex());
      assertEquals(snap(60, 5, LATER), s.snapshot().getMetadata());
      assertEquals(LATER, s.initialState().confState());
    }
  }

  /**
   * An install appends its RESET record, then writes snapshot.meta at the next sync: a crash in
   * between (here: the file put back as it was, or removed) reopens with the installed snapshot,
   * taken from the RESET record, and completes the file.
   */
  @Test
  void aCrashBetweenAnInstallsResetRecordAndItsSnapshotMetaReopensWithTheInstall()
      throws Exception {
    seedForty();
    Path file = dir.resolve("snapshot.meta");
    for (boolean hadOne : new boolean[] {false, true}) {
      byte[] before = null;
      long installAt = hadOne ? 200 : 100;
      try (ChronicleLogStore s = open()) {
        if (hadOne) {
          assertEquals(100, s.snapshot().getMetadata().getIndex());
          before = Files.readAllBytes(file);
        }
        s.applySnapshot(Snapshot.newBuilder().setMetadata(snap(installAt, 7, LATER)).build());
        s.append(entries(installAt + 1, installAt + 5, 7, 10));
      }
      if (hadOne) Files.write(file, before);
      else Files.delete(file);
      try (ChronicleLogStore s = open()) {
        assertEquals(
            snap(installAt, 7, LATER),
            s.snapshot().getMetadata(),
            "had a snapshot.meta: " + hadOne);
        assertEquals(LATER, s.initialState().confState());
        assertEquals(installAt + 1, s.firstIndex());
        assertEquals(installAt + 5, s.lastIndex());
        assertEquals(7, s.term(installAt));
      }
      assertEquals(
          snap(installAt, 7, LATER),
          new SnapshotMetaFile(dir).read(),
          "open completed the install");
    }
  }

  /** A compaction before the sync that would write snapshot.meta records the install first. */
  @Test
  void compactionRightAfterAnInstallWritesItsSnapshotMetaFirst() {
    seedForty();
    try (ChronicleLogStore s = open()) {
      s.applySnapshot(Snapshot.newBuilder().setMetadata(snap(100, 7, LATER)).build());
      s.append(entries(101, 110, 7, 10));
      assertEquals(null, new SnapshotMetaFile(dir).read(), "not before the RESET record is forced");
      s.compact(105);
      assertEquals(snap(100, 7, LATER), new SnapshotMetaFile(dir).read());
      assertEquals(105, new LogBaseFile(dir).read().getIndex());
    }
  }
}
