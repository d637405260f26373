package io.raftjvm.log.chronicle;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import net.openhft.posix.PosixAPI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacted segment files, reused for the segments to come instead of deleted.
 *
 * <p>Deleting a file frees its blocks. On a file system mounted with {@code discard} the deletion
 * waits for the device to discard them (8-20 ms for a 20 MiB segment on this project's virtio
 * disks), which held the log writer that long at every other compaction, and every other sync on
 * the device waited behind the discards; the next segment then allocated its blocks again, page by
 * page, as the writer's syncs reached them. A recycled file keeps its blocks:
 *
 * <ol>
 *   <li>compaction (writer thread) renames the file out of the queue, as {@code *.recycled};
 *   <li>this class's thread zeroes it without freeing a block ({@code fallocate} with {@code
 *       FALLOC_FL_ZERO_RANGE}: its extents become unwritten, which read as zeros), syncs it and
 *       renames it {@code *.spare};
 *   <li>once the writer is in cycle c, the thread renames a spare to the name Chronicle looks for
 *       when it creates cycle c + 1 ({@code <cycle file>.precreated}); Chronicle renames it into
 *       place when it rolls, and finds an empty file (all zeros), as it would a new one.
 * </ol>
 *
 * <p>Crash safety: the queue's directory is synced after a roll and before the sync that makes the
 * new cycle's first records durable ({@link Segments#takeDirectorySync()}), so an acknowledged
 * record is never in a file whose new name was lost. Any file left by a crash under one of these
 * names is zeroed again before use ({@link #adoptLeftovers()}); a spare is named so only after its
 * zeros are on disk. Readers of compacted entries that race the zeroing read zeros or a torn
 * record, which {@link LogReader} reports as compacted.
 *
 * <p>Where {@code fallocate} cannot zero a range (other file systems, other systems), files are
 * deleted as before, after one warning.
 */
final class SegmentRecycler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentRecycler.class);
  static final String RECYCLED = ".recycled";
  static final String SPARE = ".spare";
  static final String PRECREATED = ".precreated";

  /** Files kept for reuse, spares and those still to zero; beyond this they are deleted. */
  static final int MAX_KEPT = 2;

  private static final int O_RDWR = 2;
  private static final int FALLOC_FL_ZERO_RANGE = 0x10;
  private static final DateTimeFormatter CYCLE_NAME =
      DateTimeFormatter.ofPattern(Segments.ROLL.format()).withZone(ZoneOffset.UTC);

  private final Path queueDir;
  private final boolean durable;
  private final ExecutorService thread;
  private final AtomicLong names = new AtomicLong(System.nanoTime());

  /** The cycle after the one being written: the one to prepare a file for. */
  private volatile int nextCycle = Integer.MIN_VALUE;

  private volatile boolean unsupported;

  // Recycler-thread state: the spare offered to Chronicle, and for which cycle.
  private Path offered;
  private int offeredCycle;

  SegmentRecycler(Path queueDir, boolean durable, String threadName) {
    this.queueDir = queueDir;
    this.durable = durable;
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * The name of cycle's file without its extension: Chronicle looks for {@code <name>.precreated}
   * when it creates {@code <name>.cq4}.
   */
  static String cycleName(int cycle) {
    return CYCLE_NAME.format(Instant.ofEpochMilli((long) cycle * Segments.ROLL.lengthInMillis()));
  }

  /**
   * Before the queue opens: files a crash left under the recycler's names are zeroed again before
   * any is used (a pre-created file may hold records Chronicle wrote before its rename was durable:
   * never acknowledged, since the directory is synced first, but not zeros).
   */
  void adoptLeftovers() {
    for (Path p : list()) {
      String n = p.getFileName().toString();
      if (n.endsWith(PRECREATED) || n.endsWith(SPARE)) {
        try {
          Files.move(p, fresh(RECYCLED), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
          deleteQuietly(p);
        }
      }
    }
    submit();
  }

  /**
   * Writer thread: takes a compacted segment file out of the queue for reuse; false if it is not
   * taken (recycling unsupported here, or the rename failed), and the caller deletes it.
   */
  boolean take(File segment) {
    if (unsupported) return false;
    try {
      Files.move(segment.toPath(), fresh(RECYCLED), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      LOG.warn("could not set compacted log file {} aside for reuse: {}", segment, e.toString());
      return false;
    }
    submit();
    return true;
  }

  /** Writer thread: the queue now writes cycle; a file is made ready for the next one. */
  void writing(int cycle) {
    if (cycle + 1 == nextCycle) return;
    nextCycle = cycle + 1;
    submit();
  }

  private void submit() {
    if (unsupported) return;
    try {
      thread.execute(this::tend);
    } catch (RejectedExecutionException closed) {
      // closing: whatever is left is adopted at the next open
    }
  }

  /** Recycler thread: zeroes what was taken, keeps at most MAX_KEPT, offers one to Chronicle. */
  private void tend() {
    try {
      int next = nextCycle;
      if (offered != null) {
        if (!Files.exists(offered)) {
          offered = null; // Chronicle renamed it into place
        } else if (offeredCycle < next) {
          // The queue rolled without it (it came too late): a spare again.
          Files.move(offered, fresh(SPARE), StandardCopyOption.ATOMIC_MOVE);
          offered = null;
        }
      }
      List<Path> spares = new ArrayList<>();
      int kept = offered == null ? 0 : 1;
      for (Path p : list()) {
        String n = p.getFileName().toString();
        if (!n.endsWith(RECYCLED) && !n.endsWith(SPARE)) continue;
        if (kept >= MAX_KEPT) {
          deleteQuietly(p); // more than the log needs again soon
          continue;
        }
        kept++;
        if (n.endsWith(RECYCLED)) {
          if (!zero(p)) {
            list().forEach(SegmentRecycler::deleteQuietly);
            return;
          }
          Path spare = fresh(SPARE);
          Files.move(p, spare, StandardCopyOption.ATOMIC_MOVE);
          p = spare;
        }
        spares.add(p);
      }
      if (offered == null && next != Integer.MIN_VALUE && !spares.isEmpty()) {
        String name = cycleName(next);
        if (!Files.exists(queueDir.resolve(name + ".cq4"))) { // not created already
          Path target = queueDir.resolve(name + PRECREATED);
          Files.move(spares.get(0), target, StandardCopyOption.ATOMIC_MOVE);
          offered = target;
          offeredCycle = next;
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("recycling log segments in {}: {}", queueDir, e.toString());
    }
  }

  /**
   * Zeroes the file without freeing its blocks, durably; false (and recycling stops) where the file
   * system cannot.
   */
  private boolean zero(Path p) throws IOException {
    long length = Files.size(p);
    PosixAPI posix = PosixAPI.posix();
    int fd = posix.open(p.toString(), O_RDWR, 0);
    if (fd < 0) throw new IOException("cannot open " + p + ": " + posix.lastErrorStr());
    String error = null;
    try {
      if (posix.fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, length) != 0) error = posix.lastErrorStr();
    } finally {
      posix.close(fd);
    }
    if (error != null) {
      unsupported = true;
      LOG.warn(
          "{}: the file system cannot zero a range of a file ({}); compacted log files are deleted"
              + " instead of reused",
          queueDir,
          error);
      return false;
    }
    if (durable) {
      try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
        ch.force(false);
      }
    }
    return true;
  }

  private Path fresh(String suffix) {
    return queueDir.resolve("segment-" + names.incrementAndGet() + suffix);
  }

  private List<Path> list() {
    try (Stream<Path> s = Files.list(queueDir)) {
      return s.filter(
              p -> {
                String n = p.getFileName().toString();
                return n.endsWith(RECYCLED) || n.endsWith(SPARE) || n.endsWith(PRECREATED);
              })
          .sorted()
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", p, e.toString());
    }
  }

  /** Waits for work under way (a zeroing takes milliseconds) and stops the thread. */
  @Override
  public void close() {
    thread.shutdown();
    try {
      if (!thread.awaitTermination(10, TimeUnit.SECONDS)) thread.shutdownNow();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      thread.shutdownNow();
    }
  }

  /** For tests: runs what was submitted so far. */
  void awaitIdle() throws InterruptedException {
    try {
      thread.submit(() -> {}).get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }
}
