package io.raftjvm.log.chronicle;

import static io.raftjvm.log.chronicle.StoreFixtures.SMALL_SEGMENTS;
import static io.raftjvm.log.chronicle.StoreFixtures.entries;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.HardState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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
 * What the Chronicle store does beyond the storage contract: identity, corrupt files, crashes,
 * threads. Segments are in {@link SegmentsTest}, snapshots in {@link SnapshotFilesTest}.
 */
@DisplayName("ChronicleLogStore")
class ChronicleLogStoreTest {
  @TempDir Path dir;

  private ChronicleLogStore open() {
    return ChronicleLogStore.open(dir, "c1", 1, SMALL_SEGMENTS);
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
}
