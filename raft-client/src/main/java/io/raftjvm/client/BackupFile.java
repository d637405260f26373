package io.raftjvm.client;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftjvm.client.proto.BackupHeader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A backup file: one snapshot of a cluster's state machine, as {@code raft-admin backup} saves it
 * and {@code raft-admin restore} reads it. Layout (integers big-endian):
 *
 * <pre>
 *   8 bytes   magic "RAFTBKUP"
 *   4 bytes   format version (1)
 *   4 bytes   length N of the header
 *   N bytes   the header, a {@link BackupHeader}: cluster id, state machine, index, term,
 *             configuration, size and CRC32C of the data, where and when it was taken
 *   4 bytes   CRC32C of everything above
 *   size      the snapshot data (the session table and the state machine's image, as a server's
 *             snapshot store holds them)
 * </pre>
 *
 * and nothing after. A file is written under a temporary name beside its target, forced to disk and
 * renamed into place only once its data matches the header's size and CRC32C, so a file under the
 * target name is always complete. Reading checks everything (magic, version, header checksum, size,
 * data checksum) before anything is used, and says in one line what is wrong.
 */
public final class BackupFile {
  /** The format version this release writes and reads. */
  public static final int VERSION = 1;

  private static final byte[] MAGIC = "RAFTBKUP".getBytes(StandardCharsets.US_ASCII);

  /** A header longer than this is taken for corruption (a real one is a few hundred bytes). */
  private static final int MAX_HEADER_BYTES = 1 << 20;

  private static final int BUFFER_BYTES = 1 << 16;

  private BackupFile() {}

  /** A backup file that cannot be used; the message names the file and what is wrong. */
  public static final class BadBackupException extends IOException {
    private static final long serialVersionUID = 1L;

    public BadBackupException(String message) {
      super(message);
    }
  }

  /**
   * Starts writing a backup to target (which must not exist): the data goes to a temporary file in
   * the same directory until {@link Writer#commit}.
   */
  public static Writer create(Path target, BackupHeader header) throws IOException {
    if (Files.exists(target))
      throw new IOException(target + " exists; remove it or name another file");
    Path dir = target.toAbsolutePath().getParent();
    Path tmp =
        Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp"); // same file system
    FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
    try {
      ByteBuffer head = encodeHeader(header);
      while (head.hasRemaining()) ch.write(head);
    } catch (IOException | RuntimeException e) {
      ch.close();
      Files.deleteIfExists(tmp);
      throw e;
    }
    return new Writer(target, tmp, ch, header);
  }

  /** A backup being written; {@link #close} without {@link #commit} deletes it. */
  public static final class Writer implements AutoCloseable {
    private final Path target;
    private final Path tmp;
    private final FileChannel channel;
    private final BackupHeader header;
    private final CRC32C crc = new CRC32C();
    private long written;
    private boolean done;

    private Writer(Path target, Path tmp, FileChannel channel, BackupHeader header) {
      this.target = target;
      this.tmp = tmp;
      this.channel = channel;
      this.header = header;
    }

    /** Appends data (the next bytes of the snapshot). */
    public void write(ByteBuffer data) throws IOException {
      if (written + data.remaining() > header.getSize()) {
        throw new BadBackupException(
            "the server sent more than the "
                + header.getSize()
                + " bytes of snapshot data it announced");
      }
      crc.update(data.duplicate());
      written += data.remaining();
      while (data.hasRemaining()) channel.write(data);
    }

    /** Bytes of data written so far: the offset of the next chunk. */
    public long written() {
      return written;
    }

    /**
     * Checks the data against the header (size, CRC32C), forces the file to disk and renames it to
     * the target; on a mismatch deletes it and throws {@link BadBackupException}.
     */
    public void commit() throws IOException {
      int value = (int) crc.getValue();
      if (written != header.getSize() || value != header.getCrc32C()) {
        throw new BadBackupException(
            "the snapshot data received ("
                + written
                + " bytes, CRC32C "
                + Integer.toHexString(value)
                + ") does not match what the server announced ("
                + header.getSize()
                + " bytes, CRC32C "
                + Integer.toHexString(header.getCrc32C())
                + ")");
      }
      channel.force(true);
      channel.close();
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot rename " + tmp + " to " + target + " atomically", e);
      }
      done = true;
      forceDirectory(target.toAbsolutePath().getParent());
    }

    @Override
    public void close() throws IOException {
      if (done) return;
      done = true;
      channel.close();
      Files.deleteIfExists(tmp);
    }
  }

  /** A backup file whose header and data were checked: the data starts at dataOffset. */
  public record Backup(Path file, BackupHeader header, long dataOffset) {
    /** The snapshot data (exactly header().getSize() bytes), buffered. Close it. */
    public InputStream data() throws IOException {
      FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
      ch.position(dataOffset);
      return new BufferedInputStream(Channels.newInputStream(ch), BUFFER_BYTES);
    }
  }

  /**
   * Opens and checks a backup: magic, format version, header checksum, then the data's size and
   * CRC32C (reading it through once). Throws {@link BadBackupException} naming the file and the
   * problem.
   */
  public static Backup open(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long fileSize = ch.size();
      ByteBuffer fixed = ByteBuffer.allocate(MAGIC.length + 8);
      readFully(ch, fixed, 0);
      int got = fixed.position();
      int compared = Math.min(got, MAGIC.length);
      if (got == 0 || !Arrays.equals(fixed.array(), 0, compared, MAGIC, 0, compared))
        throw bad(file, "is not a backup file (it does not start with the backup magic)");
      if (fixed.hasRemaining()) throw bad(file, "is truncated: its header is incomplete");
      fixed.flip();
      fixed.position(MAGIC.length);
      int version = fixed.getInt();
      if (version != VERSION) {
        throw bad(
            file,
            "is a backup in format version " + version + "; this release reads version " + VERSION);
      }
      int length = fixed.getInt();
      if (length < 0 || length > MAX_HEADER_BYTES)
        throw bad(file, "is corrupt: its header length " + length + " is impossible");
      ByteBuffer rest = ByteBuffer.allocate(length + 4);
      readFully(ch, rest, fixed.limit());
      if (rest.hasRemaining()) throw bad(file, "is truncated: its header is incomplete");
      CRC32C c = new CRC32C();
      c.update(fixed.array(), 0, fixed.limit());
      c.update(rest.array(), 0, length);
      rest.flip();
      byte[] h = new byte[length];
      rest.get(h);
      if ((int) c.getValue() != rest.getInt())
        throw bad(file, "is corrupt: its header fails its checksum");
      BackupHeader header;
      try {
        header = BackupHeader.parseFrom(h);
      } catch (InvalidProtocolBufferException e) {
        throw bad(file, "is corrupt: its header cannot be decoded (" + e.getMessage() + ")");
      }
      long dataOffset = fixed.limit() + (long) length + 4;
      long dataBytes = fileSize - dataOffset;
      if (dataBytes < header.getSize()) {
        throw bad(
            file,
            "is truncated: it holds "
                + dataBytes
                + " bytes of snapshot data, its header says "
                + header.getSize());
      }
      if (dataBytes > header.getSize()) {
        throw bad(
            file,
            "is corrupt: it holds "
                + (dataBytes - header.getSize())
                + " bytes after the "
                + header.getSize()
                + " bytes of snapshot data its header describes");
      }
      int crc = crcOf(ch, dataOffset);
      if (crc != header.getCrc32C()) {
        throw bad(
            file,
            "is corrupt: its snapshot data has CRC32C "
                + Integer.toHexString(crc)
                + ", its header says "
                + Integer.toHexString(header.getCrc32C()));
      }
      return new Backup(file, header, dataOffset);
    } catch (NoSuchFileException e) {
      throw new BadBackupException(file + " does not exist");
    }
  }

  private static ByteBuffer encodeHeader(BackupHeader header) {
    byte[] h = header.toByteArray();
    ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 8 + h.length + 4);
    b.put(MAGIC).putInt(VERSION).putInt(h.length).put(h);
    CRC32C c = new CRC32C();
    c.update(b.array(), 0, b.position());
    b.putInt((int) c.getValue());
    return b.flip();
  }

  /** Reads into b from position until b is full or the file ends. */
  private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
    long at = position;
    while (b.hasRemaining()) {
      int n = ch.read(b, at);
      if (n < 0) return;
      at += n;
    }
  }

  private static int crcOf(FileChannel ch, long from) throws IOException {
    CRC32C c = new CRC32C();
    ByteBuffer buf = ByteBuffer.allocate(BUFFER_BYTES);
    long at = from;
    while (true) {
      buf.clear();
      int n = ch.read(buf, at);
      if (n < 0) break;
      at += n;
      buf.flip();
      c.update(buf);
    }
    return (int) c.getValue();
  }

  private static BadBackupException bad(Path file, String what) {
    return new BadBackupException(file + " " + what);
  }

  private static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some platforms cannot open directories; the rename is then as durable as they allow.
    }
  }
}
