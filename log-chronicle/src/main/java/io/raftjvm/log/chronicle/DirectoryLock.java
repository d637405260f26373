package io.raftjvm.log.chronicle;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive OS lock on {@code LOCK} in a data directory: one server process per directory. The
 * kernel drops it when the process dies, however it dies, so a crash never leaves it behind.
 */
final class DirectoryLock {
  static final String NAME = "LOCK";
  private final FileChannel channel;
  private final FileLock lock;

  private DirectoryLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static DirectoryLock acquire(Path dir) {
    Path path = dir.resolve(NAME);
    FileChannel ch;
    try {
      ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new StorageException("cannot open " + path + ": " + e.getMessage(), e);
    }
    FileLock l;
    try {
      l = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    } catch (IOException e) {
      closeQuietly(ch);
      throw new StorageException("cannot lock " + path + ": " + e.getMessage(), e);
    }
    if (l == null) {
      closeQuietly(ch);
      throw new StorageException(path + " is locked: another server is using this data directory");
    }
    return new DirectoryLock(ch, l);
  }

  void release() {
    try {
      lock.release();
    } catch (IOException ignored) {
      // closing the channel releases it too
    }
    closeQuietly(channel);
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // nothing more to release
    }
  }
}
