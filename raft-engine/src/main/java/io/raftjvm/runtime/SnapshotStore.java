package io.raftjvm.runtime;

import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.SnapshotMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Where a node keeps its state machine snapshots (thesis ch. 5): the server's is a directory
 * ({@link FileSnapshotStore}), the simulation's lives in memory ({@link MemorySnapshotStore}). A
 * snapshot is written through a {@link Writer} and becomes visible, complete, when finished; one of
 * a given index and term is the same on every server, so a second copy of it is dropped.
 *
 * <p>Thread-safe for what the server does with it: one writer at a time per snapshot, readers of
 * complete snapshots from any thread.
 */
public interface SnapshotStore {
  /**
   * Starts writing the snapshot as of (index, term): the state machine writes to {@link
   * Writer#out()}.
   */
  Writer begin(long index, long term) throws IOException;

  /** The snapshot (index, term), or null when there is none. */
  Stored get(long index, long term) throws IOException;

  /** Complete snapshots, oldest first. */
  List<? extends Stored> list() throws IOException;

  /** Deletes every snapshot older than index (the one at index, and newer ones, stay). */
  void deleteBefore(long index) throws IOException;

  /** A complete snapshot: its metadata, and data of the given size and CRC32C. */
  interface Stored {
    SnapshotMetadata metadata();

    long size();

    int crc32c();

    /** The data as stored, unchecked (a follower checks what it receives). */
    InputStream open() throws IOException;

    /** Reads the data through once; throws {@link CorruptSnapshotException} on any mismatch. */
    void verify() throws IOException;

    /** The data, after checking it is whole: size and CRC32C must match the metadata. */
    default InputStream openVerified() throws IOException {
      verify();
      return open();
    }
  }

  /** A snapshot being written; {@link #finish} makes it visible, {@link #abort} drops it. */
  interface Writer {
    long index();

    long term();

    /** Where the data goes; buffered. Do not close it: {@link #finish} does. */
    OutputStream out();

    /** Appends bytes at the end of the data (a received chunk). */
    void append(ByteBuffer bytes) throws IOException;

    /** Bytes written so far (the offset the next chunk must start at). */
    long size() throws IOException;

    /** Completes a snapshot this server took: conf is the configuration in force at its index. */
    Stored finish(ConfState conf) throws IOException;

    /**
     * Completes a snapshot received from a leader, after checking it against what the leader said
     * (size and CRC32C of the whole data); a mismatch drops it and throws CorruptSnapshotException.
     */
    Stored finishReceived(SnapshotMetadata meta, long expectedSize, int expectedCrc)
        throws IOException;

    /** Drops the unfinished snapshot. */
    void abort();
  }

  /** The data of a snapshot does not match its meta, or the meta is unreadable. */
  final class CorruptSnapshotException extends IOException {
    private static final long serialVersionUID = 1L;

    public CorruptSnapshotException(String message) {
      super(message);
    }
  }
}
