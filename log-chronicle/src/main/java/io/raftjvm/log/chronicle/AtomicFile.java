package io.raftjvm.log.chronicle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A small file replaced atomically: written to a temporary file, forced, renamed over the old one,
 * and the directory forced, so that after a crash it holds either the old or the new content.
 *
 * <p>Framing: {@code magic (4) | version (4) | length (4) | payload | crc32c (4)} over everything
 * before the checksum. A file with another magic, an unknown version, a wrong length or a bad
 * checksum is refused with a one-line {@link StorageException} naming it.
 */
final class AtomicFile {
  private final Path path;
  private final int magic;
  private final int version;

  AtomicFile(Path path, int magic, int version) {
    this.path = path;
    this.magic = magic;
    this.version = version;
  }

  Path path() {
    return path;
  }

  /** The payload, or null if the file does not exist. */
  ByteBuffer read() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new StorageException("cannot read " + path + ": " + e.getMessage(), e);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (bytes.length < 16) throw corrupt("truncated (" + bytes.length + " bytes)");
    if (b.getInt() != magic) throw corrupt("not a file of this kind (bad magic number)");
    int v = b.getInt();
    if (v != version)
      throw new StorageException(
          path + ": unknown format version " + v + " (this server reads " + version + ")");
    int len = b.getInt();
    if (len < 0 || len != bytes.length - 16)
      throw corrupt("length " + len + " does not match size " + bytes.length);
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
    if ((int) crc.getValue() != stored) throw corrupt("checksum mismatch");
    return ByteBuffer.wrap(bytes, 12, len).slice();
  }

  private StorageException corrupt(String why) {
    return new StorageException("corrupt file " + path + ": " + why);
  }

  /** Replaces the file with payload; forces it to disk when durable. */
  void write(ByteBuffer payload, boolean durable) {
    int len = payload.remaining();
    ByteBuffer b = ByteBuffer.allocate(16 + len);
    b.putInt(magic).putInt(version).putInt(len).put(payload.duplicate());
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 12 + len);
    b.putInt((int) crc.getValue()).flip();
    Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        while (b.hasRemaining()) ch.write(b);
        if (durable) ch.force(true);
      }
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      if (durable) forceDirectory(path.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path, e);
    }
  }

  /** Forces a directory's entries (a rename, a new or deleted file) to disk. */
  static void forceDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
