package io.raftjvm.runtime;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.SnapshotMetadata;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * State machine snapshots on disk (the server's {@link SnapshotStore}), one directory each, named
 * {@code <index>-<term>}:
 *
 * <ul>
 *   <li>{@code data}: the bytes {@code StateMachine.snapshot} wrote (or a leader sent);
 *   <li>{@code meta}: magic, version, the {@link SnapshotMetadata} (index, term, configuration),
 *       the data's size and CRC32C, and a CRC32C of the meta itself.
 * </ul>
 *
 * A snapshot is written under {@code tmp-<index>-<term>}, both files forced to disk, then the
 * directory is renamed (atomically) and the parent forced: a snapshot directory that exists is
 * complete. Leftover {@code tmp-} directories from a crash are deleted on open. The data is checked
 * against its size and CRC before a state machine is restored from it, so a torn or corrupt file is
 * never applied.
 *
 * <p>Thread-safe for what the server does with it: one writer at a time per snapshot, readers of
 * complete snapshots from any thread.
 */
public final class FileSnapshotStore implements SnapshotStore {
  static final String DATA = "data";
  static final String META = "meta";
  private static final String TMP = "tmp-";
  private static final int MAGIC = 0x52534E50; // "RSNP"
  private static final int VERSION = 1;
  private static final Pattern NAME = Pattern.compile("(\\d+)-(\\d+)");

  private final Path dir;

  private FileSnapshotStore(Path dir) {
    this.dir = dir;
  }

  /** Opens (creating) the store in dir, deleting unfinished snapshots a crash left behind. */
  public static FileSnapshotStore open(Path dir) throws IOException {
    Files.createDirectories(dir);
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, TMP + "*")) {
      for (Path p : ds) deleteTree(p);
    }
    return new FileSnapshotStore(dir);
  }

  public Path dir() {
    return dir;
  }

  @Override
  public String toString() {
    return dir.toString();
  }

  /** A complete snapshot on disk; data is its data file. */
  public record FileStored(SnapshotMetadata metadata, Path data, long size, int crc32c)
      implements Stored {
    @Override
    public InputStream open() throws IOException {
      return new BufferedInputStream(Files.newInputStream(data), 1 << 16);
    }

    @Override
    public void verify() throws IOException {
      long actualSize = Files.size(data);
      if (actualSize != size) {
        throw new CorruptSnapshotException(
            data + " holds " + actualSize + " bytes, its meta says " + size);
      }
      int actual = crcOf(data);
      if (actual != crc32c) {
        throw new CorruptSnapshotException(
            data
                + " has CRC32C "
                + Integer.toHexString(actual)
                + ", its meta says "
                + Integer.toHexString(crc32c));
      }
    }
  }

  @Override
  public FileWriter begin(long index, long term) throws IOException {
    // Unique: two copies of one snapshot may be under way (a leader that sends it again).
    Path tmp = dir.resolve(TMP + index + "-" + term + "-" + WRITERS.incrementAndGet());
    Files.createDirectories(tmp);
    return new FileWriter(index, term, tmp);
  }

  private static final java.util.concurrent.atomic.AtomicLong WRITERS =
      new java.util.concurrent.atomic.AtomicLong();

  /** A snapshot being written to a temporary directory; finishing renames it into place. */
  public final class FileWriter implements Writer {
    private final long index;
    private final long term;
    private final Path tmp;
    private final FileChannel channel;
    private final CRC32C crc = new CRC32C();
    private long size;
    private final OutputStream out;

    private FileWriter(long index, long term, Path tmp) throws IOException {
      this.index = index;
      this.term = term;
      this.tmp = tmp;
      this.channel =
          FileChannel.open(
              tmp.resolve(DATA), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      this.out =
          new java.io.BufferedOutputStream(
              new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                  write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                  append(ByteBuffer.wrap(b, off, len));
                }
              },
              1 << 16);
    }

    @Override
    public long index() {
      return index;
    }

    @Override
    public long term() {
      return term;
    }

    @Override
    public OutputStream out() {
      return out;
    }

    @Override
    public void append(ByteBuffer bytes) throws IOException {
      ByteBuffer view = bytes.duplicate();
      crc.update(view);
      size += bytes.remaining();
      while (bytes.hasRemaining()) channel.write(bytes);
    }

    @Override
    public long size() throws IOException {
      out.flush();
      return size;
    }

    @Override
    public FileStored finish(ConfState conf) throws IOException {
      return finish(
          SnapshotMetadata.newBuilder().setIndex(index).setTerm(term).setConfState(conf).build(),
          -1,
          0);
    }

    @Override
    public FileStored finishReceived(SnapshotMetadata meta, long expectedSize, int expectedCrc)
        throws IOException {
      return finish(meta, expectedSize, expectedCrc);
    }

    private FileStored finish(SnapshotMetadata meta, long expectedSize, int expectedCrc)
        throws IOException {
      if (meta.getIndex() != index || meta.getTerm() != term) {
        abort();
        throw new IllegalArgumentException(
            "snapshot "
                + index
                + "-"
                + term
                + " finished as "
                + meta.getIndex()
                + "-"
                + meta.getTerm());
      }
      try {
        out.flush();
        int value = (int) crc.getValue();
        if (expectedSize >= 0 && (expectedSize != size || expectedCrc != value)) {
          throw new CorruptSnapshotException(
              "received snapshot "
                  + index
                  + "-"
                  + term
                  + " has "
                  + size
                  + " bytes with CRC32C "
                  + Integer.toHexString(value)
                  + "; the leader sent "
                  + expectedSize
                  + " bytes with CRC32C "
                  + Integer.toHexString(expectedCrc));
        }
        channel.force(true);
        channel.close();
        writeMeta(tmp.resolve(META), meta, size, value);
        forceDir(tmp);
        Path target = dir.resolve(index + "-" + term);
        if (Files.isDirectory(target)) {
          // A complete copy is already there (snapshots of one index and term are identical), and
          // may be in use: keep it.
          abort();
          return readMeta(target);
        }
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          throw new IOException("cannot rename " + tmp + " atomically", e);
        }
        forceDir(dir);
        return new FileStored(meta, target.resolve(DATA), size, value);
      } catch (IOException | RuntimeException e) {
        abort();
        throw e;
      }
    }

    @Override
    public void abort() {
      try {
        channel.close();
      } catch (IOException e) {
        // deleting it anyway
      }
      try {
        deleteTree(tmp);
      } catch (IOException e) {
        // deleted on the next open
      }
    }
  }

  @Override
  public FileStored get(long index, long term) throws IOException {
    Path d = dir.resolve(index + "-" + term);
    if (!Files.isDirectory(d)) return null;
    return readMeta(d);
  }

  @Override
  public List<FileStored> list() throws IOException {
    List<FileStored> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        if (m.matches() && Files.isDirectory(p)) out.add(readMeta(p));
      }
    }
    out.sort(Comparator.comparingLong(s -> s.metadata().getIndex()));
    return out;
  }

  @Override
  public void deleteBefore(long index) throws IOException {
    for (FileStored s : list()) {
      if (s.metadata().getIndex() < index) deleteTree(s.data().getParent());
    }
  }

  // ------------------------------------------------------------------ files

  private static void writeMeta(Path file, SnapshotMetadata meta, long size, int dataCrc)
      throws IOException {
    byte[] m = meta.toByteArray();
    ByteBuffer b = ByteBuffer.allocate(4 + 4 + 4 + m.length + 8 + 4 + 4);
    b.putInt(MAGIC).putInt(VERSION).putInt(m.length).put(m).putLong(size).putInt(dataCrc);
    CRC32C c = new CRC32C();
    c.update(b.array(), 0, b.position());
    b.putInt((int) c.getValue());
    b.flip();
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      while (b.hasRemaining()) ch.write(b);
      ch.force(true);
    }
  }

  private static FileStored readMeta(Path d) throws IOException {
    Path file = d.resolve(META);
    byte[] all;
    try {
      all = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new CorruptSnapshotException("snapshot " + d + " has no " + META + " file");
    }
    try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(all))) {
      if (all.length < 28 || in.readInt() != MAGIC)
        throw new CorruptSnapshotException(file + " is not a snapshot meta file");
      int version = in.readInt();
      if (version != VERSION)
        throw new CorruptSnapshotException(file + " has unknown version " + version);
      int len = in.readInt();
      if (len < 0 || len > all.length - 24)
        throw new CorruptSnapshotException(file + " is truncated");
      byte[] m = new byte[len];
      in.readFully(m);
      long size = in.readLong();
      int dataCrc = in.readInt();
      int stored = in.readInt();
      CRC32C c = new CRC32C();
      c.update(all, 0, all.length - 4);
      if ((int) c.getValue() != stored)
        throw new CorruptSnapshotException(file + " fails its checksum");
      return new FileStored(SnapshotMetadata.parseFrom(m), d.resolve(DATA), size, dataCrc);
    } catch (InvalidProtocolBufferException | java.io.EOFException e) {
      throw new CorruptSnapshotException(file + " is corrupt: " + e.getMessage());
    }
  }

  private static int crcOf(Path file) throws IOException {
    CRC32C c = new CRC32C();
    ByteBuffer buf = ByteBuffer.allocateDirect(1 << 16);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      while (ch.read(buf) > 0) {
        buf.flip();
        c.update(buf);
        buf.clear();
      }
    }
    return (int) c.getValue();
  }

  private static void forceDir(Path d) throws IOException {
    try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some platforms cannot open directories; the rename is then as durable as they allow.
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) return;
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
    }
  }
}
