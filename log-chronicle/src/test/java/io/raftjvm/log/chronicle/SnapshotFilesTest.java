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
import io.raftjvm.proto.Snapshot;
import io.raftjvm.proto.SnapshotMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots recorded and installed in the store: {@code snapshot.meta}, its checks, and crashes
 * between a snapshot and its compaction.
 */
@DisplayName("ChronicleLogStore: snapshot files")
class SnapshotFilesTest {
  @TempDir Path dir;

  private ChronicleLogStore open() {
    return ChronicleLogStore.open(dir, "c1", 1, SMALL_SEGMENTS);
  }

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
