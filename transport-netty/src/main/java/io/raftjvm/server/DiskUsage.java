package io.raftjvm.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Bytes a data directory holds and bytes free on its disk, for the metrics. Walking the directory
 * costs a little, so its size is measured at most once every few seconds.
 */
final class DiskUsage {
  private static final long REFRESH_NANOS = 5_000_000_000L;

  private final Path dir;
  private long used = -1;
  private long measuredAt;

  DiskUsage(Path dir) {
    this.dir = dir;
  }

  synchronized double usedBytes() {
    long now = System.nanoTime();
    if (used < 0 || now - measuredAt > REFRESH_NANOS) {
      used = sizeOf(dir);
      measuredAt = now;
    }
    return used;
  }

  double freeBytes() {
    try {
      return Files.getFileStore(dir).getUsableSpace();
    } catch (IOException e) {
      return Double.NaN;
    }
  }

  /** Bytes of the regular files under dir; files vanishing meanwhile (compaction) are skipped. */
  static long sizeOf(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.mapToLong(DiskUsage::sizeOrZero).sum();
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  private static long sizeOrZero(Path p) {
    try {
      return Files.isRegularFile(p) ? Files.size(p) : 0;
    } catch (IOException e) {
      return 0;
    }
  }
}
