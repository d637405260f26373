package io.raftjvm.log.chronicle;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftjvm.proto.SnapshotMetadata;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The latest snapshot of the state machine (index, term, membership then), in an {@link
 * AtomicFile}: written when the owner records a snapshot it took and when a snapshot from the
 * leader is installed. The snapshot's data is kept elsewhere, by the owner.
 *
 * <p>Invariant: it never names an entry that is not on disk (the queue is forced before it is
 * written).
 */
final class SnapshotMetaFile {
  static final String NAME = "snapshot.meta";
  private static final int MAGIC = 0x5241534D; // "RASM"
  private static final int VERSION = 1;
  private final AtomicFile file;

  SnapshotMetaFile(Path dir) {
    this.file = new AtomicFile(dir.resolve(NAME), MAGIC, VERSION);
  }

  Path path() {
    return file.path();
  }

  /** The recorded snapshot, or null when none was ever recorded. */
  SnapshotMetadata read() {
    ByteBuffer b = file.read();
    if (b == null) return null;
    try {
      return SnapshotMetadata.parseFrom(b);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("corrupt file " + file.path() + ": " + e.getMessage(), e);
    }
  }

  void write(SnapshotMetadata meta, boolean durable) {
    file.write(ByteBuffer.wrap(meta.toByteArray()), durable);
  }
}
