package io.raftjvm.log.chronicle;

import com.google.protobuf.UnsafeByteOperations;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;
import net.openhft.chronicle.bytes.Bytes;

/**
 * The records of the queue, one per excerpt, each ending with a CRC32C of its preceding bytes
 * (big-endian):
 *
 * <pre>
 *   ENTRY   kind=1 (1) | index (8) | term (8) | type (1) | length (4) | data | crc (4)
 *   COMMIT  kind=2 (1) | commit (8) | crc (4)
 *   RESET   kind=3 (1) | index (8) | term (8) | length (4) | ConfState bytes | crc (4)
 * </pre>
 *
 * Replayed in queue order: an ENTRY at an index the log already has replaces it and everything
 * after it (logical truncation); RESET empties the log, which then starts after (index, term) (a
 * snapshot was installed); COMMIT raises the commit index.
 *
 * <p>Records are assembled in a heap buffer, checksummed there and copied into the excerpt in one
 * write; reads copy the excerpt out once and wrap entry data without a further copy.
 */
final class Records {
  static final byte ENTRY = 1;
  static final byte COMMIT = 2;
  static final byte RESET = 3;
  private static final int ENTRY_OVERHEAD = 1 + 8 + 8 + 1 + 4 + 4;

  /** A decoded record; fields not used by the kind are 0/null. */
  record Decoded(byte kind, long index, long term, Entry entry, byte[] conf) {}

  /** Reusable buffer of the writing thread. */
  private ByteBuffer scratch = ByteBuffer.allocate(64 << 10);

  private final CRC32C crc = new CRC32C();

  private ByteBuffer buffer(int size) {
    if (scratch.capacity() < size)
      scratch = ByteBuffer.allocate(Math.max(size, scratch.capacity() * 2));
    scratch.clear();
    return scratch;
  }

  void writeEntry(Bytes<?> out, Entry e) {
    int len = e.getData().size();
    ByteBuffer b = buffer(ENTRY_OVERHEAD + len);
    b.put(ENTRY)
        .putLong(e.getIndex())
        .putLong(e.getTerm())
        .put((byte) e.getTypeValue())
        .putInt(len);
    e.getData().copyTo(b);
    finish(b, out);
  }

  void writeCommit(Bytes<?> out, long commit) {
    ByteBuffer b = buffer(13);
    b.put(COMMIT).putLong(commit);
    finish(b, out);
  }

  void writeReset(Bytes<?> out, long index, long term, byte[] conf) {
    ByteBuffer b = buffer(25 + conf.length);
    b.put(RESET).putLong(index).putLong(term).putInt(conf.length).put(conf);
    finish(b, out);
  }

  private void finish(ByteBuffer b, Bytes<?> out) {
    crc.reset();
    crc.update(b.array(), b.arrayOffset(), b.position());
    b.putInt((int) crc.getValue());
    out.write(b.array(), b.arrayOffset(), b.position());
  }

  /**
   * Decodes the excerpt at the read position, or returns null when it is torn or corrupt (short,
   * unknown kind, inconsistent length, bad checksum).
   */
  static Decoded read(Bytes<?> in) {
    long avail = in.readRemaining();
    if (avail < 13 || avail > Integer.MAX_VALUE) return null;
    byte[] raw = new byte[(int) avail];
    in.read(raw);
    CRC32C crc = new CRC32C();
    crc.update(raw, 0, raw.length - 4);
    ByteBuffer b = ByteBuffer.wrap(raw);
    if ((int) crc.getValue() != b.getInt(raw.length - 4)) return null;
    byte kind = b.get();
    switch (kind) {
      case ENTRY -> {
        if (raw.length < ENTRY_OVERHEAD) return null;
        long index = b.getLong();
        long term = b.getLong();
        EntryType type = EntryType.forNumber(b.get());
        int len = b.getInt();
        if (type == null || len != raw.length - ENTRY_OVERHEAD) return null;
        Entry entry =
            Entry.newBuilder()
                .setIndex(index)
                .setTerm(term)
                .setType(type)
                .setData(UnsafeByteOperations.unsafeWrap(raw, b.position(), len))
                .build();
        return new Decoded(ENTRY, index, term, entry, null);
      }
      case COMMIT -> {
        if (raw.length != 13) return null;
        return new Decoded(COMMIT, b.getLong(), 0, null, null);
      }
      case RESET -> {
        if (raw.length < 25) return null;
        long index = b.getLong();
        long term = b.getLong();
        int len = b.getInt();
        if (len != raw.length - 25) return null;
        byte[] conf = new byte[len];
        b.get(conf);
        return new Decoded(RESET, index, term, null, conf);
      }
      default -> {
        return null;
      }
    }
  }
}
