package io.raftjvm.server;

import io.raftjvm.statemachine.CommittedEntry;
import io.raftjvm.statemachine.StateMachine;
import io.raftjvm.statemachine.StateMachineContext;
import io.raftjvm.statemachine.StateMachineProvider;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * A test state machine whose state lives in a file and grows by 1 MiB per command, so that a few
 * hundred commands make a state (and a snapshot) of hundreds of megabytes while the heap holds only
 * a buffer. A command is 8 bytes, a seed; applying it appends 1 MiB of bytes drawn from that seed.
 * Queries answer "SIZE:CRC32C" of the whole state. Snapshots copy the file through a small buffer;
 * restore streams it back and checks its CRC.
 */
public final class FileStateMachineProvider implements StateMachineProvider {
  static final int BLOCK = 1 << 20;

  @Override
  public String name() {
    return "it-file";
  }

  @Override
  public StateMachine create(StateMachineContext context) {
    return new FileStateMachine(context.dataDir().resolve("state.bin"));
  }

  static final class FileStateMachine implements StateMachine {
    private final Path file;
    private FileChannel channel;
    private final CRC32C crc = new CRC32C();
    private volatile String summary = "0:0";
    private volatile long last;
    private long size;

    FileStateMachine(Path file) {
      this.file = file;
      try {
        channel =
            FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.READ,
                StandardOpenOption.TRUNCATE_EXISTING);
      } catch (IOException e) {
        throw new IllegalStateException("cannot open " + file, e);
      }
    }

    @Override
    public List<byte[]> apply(List<CommittedEntry> entries) {
      List<byte[]> out = new ArrayList<>(entries.size());
      byte[] block = new byte[BLOCK];
      for (CommittedEntry e : entries) {
        new SplittableRandom(ByteBuffer.wrap(e.data()).getLong()).nextBytes(block);
        try {
          ByteBuffer b = ByteBuffer.wrap(block);
          while (b.hasRemaining()) channel.write(b, size + b.position());
        } catch (IOException ex) {
          throw new IllegalStateException("cannot write " + file, ex);
        }
        crc.update(block);
        size += BLOCK;
        last = e.index();
        out.add(new byte[0]);
      }
      summary = size + ":" + Long.toHexString(crc.getValue());
      return out;
    }

    @Override
    public byte[] query(byte[] query) {
      return summary.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public long lastApplied() {
      return last;
    }

    @Override
    public void snapshot(OutputStream out) throws IOException {
      DataOutputStream d = new DataOutputStream(out);
      d.writeLong(last);
      d.writeLong(size);
      ByteBuffer buf = ByteBuffer.allocate(1 << 16);
      for (long pos = 0; pos < size; ) {
        buf.clear();
        int n = channel.read(buf, pos);
        if (n < 0) throw new IOException(file + " is shorter than " + size);
        d.write(buf.array(), 0, n);
        pos += n;
      }
      d.writeLong(crc.getValue());
      d.flush();
    }

    @Override
    public void restore(InputStream in) throws IOException {
      DataInputStream d = new DataInputStream(in);
      long lastApplied = d.readLong();
      long newSize = d.readLong();
      Path tmp = file.resolveSibling("state.restore");
      CRC32C c = new CRC32C();
      byte[] buf = new byte[1 << 16];
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        for (long left = newSize; left > 0; ) {
          int n = d.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) throw new IOException("snapshot ends early");
          c.update(buf, 0, n);
          ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
          while (b.hasRemaining()) ch.write(b);
          left -= n;
        }
      }
      if (d.readLong() != c.getValue()) throw new IOException("snapshot CRC mismatch");
      channel.close();
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ);
      crc.reset();
      // The running CRC continues from the restored bytes: recompute it through a buffer.
      ByteBuffer rb = ByteBuffer.allocate(1 << 16);
      for (long pos = 0; pos < newSize; ) {
        rb.clear();
        int n = channel.read(rb, pos);
        rb.flip();
        crc.update(rb);
        pos += n;
      }
      size = newSize;
      last = lastApplied;
      summary = size + ":" + Long.toHexString(crc.getValue());
    }

    @Override
    public void close() {
      try {
        channel.close();
      } catch (IOException e) {
        // closing
      }
    }
  }
}
