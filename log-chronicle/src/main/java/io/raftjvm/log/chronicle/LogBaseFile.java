package io.raftjvm.log.chronicle;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftjvm.proto.SnapshotMetadata;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Where the log starts: the (index, term) of the snapshot that covers everything before it, and the
 * membership at that point, in an {@link AtomicFile}. Written on bootstrap and on compaction, so
 * that the first index survives the deletion of the segments below it.
 */
final class LogBaseFile {
  static final String NAME = "log.base";
  private static final int MAGIC = 0x5241424C; // "RABL"
  private static final int VERSION = 1;
  private final AtomicFile file;

  LogBaseFile(Path dir) {
    this.file = new AtomicFile(dir.resolve(NAME), MAGIC, VERSION);
  }

  /** The stored base, or index 0 / term 0 / no members when there is no file. */
  SnapshotMetadata read() {
    ByteBuffer b = file.read();
    if (b == null) return SnapshotMetadata.getDefaultInstance();
    try {
      return SnapshotMetadata.parseFrom(b);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageException("corrupt file " + file.path() + ": " + e.getMessage(), e);
    }
  }

  void write(SnapshotMetadata base, boolean durable) {
    file.write(ByteBuffer.wrap(base.toByteArray()), durable);
  }
}
