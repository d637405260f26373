package io.raftjvm.log.chronicle;

import io.raftjvm.proto.HardState;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** The persisted term, vote and commit (Figure 2), in an {@link AtomicFile}: three longs. */
final class HardStateFile {
  static final String NAME = "hardstate";
  private static final int MAGIC = 0x52414853; // "RAHS"
  private static final int VERSION = 1;
  private final AtomicFile file;

  HardStateFile(Path dir) {
    this.file = new AtomicFile(dir.resolve(NAME), MAGIC, VERSION);
  }

  Path path() {
    return file.path();
  }

  /** The stored hard state, or the empty one when there is no file yet. */
  HardState read() {
    ByteBuffer b = file.read();
    if (b == null) return HardState.getDefaultInstance();
    if (b.remaining() != 24)
      throw new StorageException(
          "corrupt file " + file.path() + ": payload of " + b.remaining() + " bytes, expected 24");
    return HardState.newBuilder()
        .setTerm(b.getLong())
        .setVote(b.getLong())
        .setCommit(b.getLong())
        .build();
  }

  void write(HardState hs, boolean durable) {
    ByteBuffer b = ByteBuffer.allocate(24);
    b.putLong(hs.getTerm()).putLong(hs.getVote()).putLong(hs.getCommit()).flip();
    file.write(b, durable);
  }
}
