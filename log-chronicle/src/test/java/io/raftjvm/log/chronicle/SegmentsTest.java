package io.raftjvm.log.chronicle;

import static io.raftjvm.log.chronicle.StoreFixtures.SMALL_SEGMENTS;
import static io.raftjvm.log.chronicle.StoreFixtures.entries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.core.LogCompactedException;
import io.raftjvm.proto.ConfState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log in segment files: rolling, compaction by whole files, and the reuse of compacted files
 * ({@link SegmentRecycler}).
 */
@DisplayName("ChronicleLogStore: segments")
class SegmentsTest {
  @TempDir Path dir;

  private ChronicleLogStore open() {
    return ChronicleLogStore.open(dir, "c1", 1, SMALL_SEGMENTS);
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
}
