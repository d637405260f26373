package io.raftjvm.runtime;

import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.SnapshotMetadata;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Snapshots in memory, for the whole-node simulation and tests: the same contract as the {@link
 * FileSnapshotStore} (a snapshot is visible only once finished, a received one is checked against
 * the leader's size and CRC32C, a second copy of one is dropped), and it survives a simulated crash
 * because the simulation keeps the store object across restarts. Unfinished writers are simply
 * forgotten by a crash. Thread-safe.
 */
public final class MemorySnapshotStore implements SnapshotStore {
  /** A complete snapshot held as bytes. */
  public record MemoryStored(SnapshotMetadata metadata, byte[] data, int crc32c) implements Stored {
    @Override
    public long size() {
      return data.length;
    }

    @Override
    public InputStream open() {
      return new ByteArrayInputStream(data);
    }

    @Override
    public void verify() throws IOException {
      if (crcOf(data) != crc32c) {
        throw new CorruptSnapshotException(
            "snapshot " + metadata.getIndex() + "-" + metadata.getTerm() + " fails its CRC32C");
      }
    }
  }

  /** Complete snapshots by index, then term. */
  private final TreeMap<Long, TreeMap<Long, MemoryStored>> byIndex = new TreeMap<>();

  @Override
  public Writer begin(long index, long term) {
    return new MemoryWriter(index, term);
  }

  @Override
  public synchronized MemoryStored get(long index, long term) {
    TreeMap<Long, MemoryStored> terms = byIndex.get(index);
    return terms == null ? null : terms.get(term);
  }

  @Override
  public synchronized List<MemoryStored> list() {
    List<MemoryStored> out = new ArrayList<>();
    byIndex.values().forEach(terms -> out.addAll(terms.values()));
    return out;
  }

  @Override
  public synchronized void deleteBefore(long index) {
    byIndex.headMap(index).clear();
  }

  private synchronized MemoryStored add(MemoryStored s) {
    TreeMap<Long, MemoryStored> terms =
        byIndex.computeIfAbsent(s.metadata().getIndex(), i -> new TreeMap<>());
    MemoryStored there = terms.get(s.metadata().getTerm());
    if (there != null)
      return there; // snapshots of one index and term are identical: keep the first
    terms.put(s.metadata().getTerm(), s);
    return s;
  }

  private static int crcOf(byte[] data) {
    CRC32C c = new CRC32C();
    c.update(data);
    return (int) c.getValue();
  }

  private final class MemoryWriter implements Writer {
    private final long index;
    private final long term;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private boolean done;

    MemoryWriter(long index, long term) {
      this.index = index;
      this.term = term;
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
    public void append(ByteBuffer bytes) {
      byte[] b = new byte[bytes.remaining()];
      bytes.get(b);
      out.write(b, 0, b.length);
    }

    @Override
    public long size() {
      return out.size();
    }

    @Override
    public Stored finish(ConfState conf) throws IOException {
      return finish(
          SnapshotMetadata.newBuilder().setIndex(index).setTerm(term).setConfState(conf).build(),
          -1,
          0);
    }

    @Override
    public Stored finishReceived(SnapshotMetadata meta, long expectedSize, int expectedCrc)
        throws IOException {
      return finish(meta, expectedSize, expectedCrc);
    }

    private Stored finish(SnapshotMetadata meta, long expectedSize, int expectedCrc)
        throws IOException {
      if (done)
        throw new IllegalStateException(
            "snapshot " + index + "-" + term + " is already finished or aborted");
      done = true;
      if (meta.getIndex() != index || meta.getTerm() != term) {
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
      byte[] data = out.toByteArray();
      int crc = crcOf(data);
      if (expectedSize >= 0 && (expectedSize != data.length || expectedCrc != crc)) {
        throw new CorruptSnapshotException(
            "received snapshot "
                + index
                + "-"
                + term
                + " has "
                + data.length
                + " bytes with CRC32C "
                + Integer.toHexString(crc)
                + "; the leader sent "
                + expectedSize
                + " bytes with CRC32C "
                + Integer.toHexString(expectedCrc));
      }
      return add(new MemoryStored(meta, data, crc));
    }

    @Override
    public void abort() {
      done = true;
    }
  }
}
