package io.raftjvm.server;

import com.google.protobuf.UnsafeByteOperations;
import io.raftjvm.client.proto.BackupChunk;
import io.raftjvm.client.proto.BackupRequest;
import io.raftjvm.runtime.FileSnapshotStore;
import io.raftjvm.runtime.NodeDriver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Serves backups ({@code raft-admin backup}) from this server's snapshots, over the client port. A
 * request for index 0 has the node take a snapshot holding everything committed before it ({@link
 * NodeDriver#snapshotAfterBarrier}: a ReadIndex round, then a snapshot) and answers its first
 * chunk; later requests name that snapshot and an offset (a pull protocol: one chunk in memory per
 * request, at most {@code raft.snapshot.chunk-size}).
 *
 * <p>Files are read on a thread of their own, never on the node's loop or an I/O thread. A snapshot
 * being downloaded stays readable when a newer one replaces it: its data file stays open (the
 * operating system keeps a deleted file's data while it is open) until the last chunk is read or no
 * chunk was asked for in {@link #IDLE_NANOS}.
 */
final class BackupSource implements AutoCloseable {
  /** A download no chunk was asked for in this long is forgotten (its file closed). */
  static final long IDLE_NANOS = TimeUnit.MINUTES.toNanos(2);

  private final NodeDriver driver;
  private final FileSnapshotStore snapshots;
  private final ExecutorService reader;
  private final int maxChunkBytes;
  private final String clusterId;
  private final String stateMachine;

  /** Snapshots being downloaded, by "index-term". Reader thread only. */
  private final Map<String, Download> open = new HashMap<>();

  /** The snapshot a backup asked for is no longer here (a newer one replaced it): start again. */
  static final class GoneException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    GoneException(String message) {
      super(message);
    }
  }

  /** One snapshot's data file, open while it is being downloaded. Reader thread only. */
  private static final class Download {
    final FileSnapshotStore.FileStored stored;
    final FileChannel channel;
    long lastUsedNanos;

    Download(FileSnapshotStore.FileStored stored, FileChannel channel) {
      this.stored = stored;
      this.channel = channel;
      this.lastUsedNanos = System.nanoTime();
    }
  }

  BackupSource(
      NodeDriver driver,
      FileSnapshotStore snapshots,
      ExecutorService reader,
      int maxChunkBytes,
      String clusterId,
      String stateMachine) {
    this.driver = driver;
    this.snapshots = snapshots;
    this.reader = reader;
    this.maxChunkBytes = maxChunkBytes;
    this.clusterId = clusterId;
    this.stateMachine = stateMachine;
  }

  /** The chunk r asks for; fails with GoneException, IllegalArgumentException or the node's. */
  CompletableFuture<BackupChunk> serve(BackupRequest r) {
    if (r.getIndex() == 0) {
      if (r.getOffset() != 0 || r.getTerm() != 0) {
        return CompletableFuture.failedFuture(
            new IllegalArgumentException("a backup starts at index 0, term 0 and offset 0"));
      }
      return driver
          .snapshotAfterBarrier()
          .thenApplyAsync(index -> chunk(begin(index), 0, r.getMaxBytes()), reader);
    }
    return CompletableFuture.supplyAsync(
        () -> chunk(download(r.getIndex(), r.getTerm()), r.getOffset(), r.getMaxBytes()), reader);
  }

  /**
   * Opens the snapshot the node just took at index. Listing may meet an older snapshot the log
   * writer is deleting at that moment: then it lists again.
   */
  private Download begin(long index) {
    expireIdle();
    for (int attempt = 1; ; attempt++) {
      try {
        FileSnapshotStore.FileStored found = null;
        for (FileSnapshotStore.FileStored s : snapshots.list())
          if (s.metadata().getIndex() == index) found = s;
        if (found == null)
          throw new GoneException("snapshot " + index + " was replaced before it could be read");
        return open(found);
      } catch (IOException e) {
        if (attempt < 3) continue;
        throw new UncheckedIOException("cannot read snapshot " + index + ": " + e.getMessage(), e);
      }
    }
  }

  /** The download of snapshot (index, term), opening it if it is still in the store. */
  private Download download(long index, long term) {
    expireIdle();
    Download d = open.get(index + "-" + term);
    if (d != null) return d;
    try {
      FileSnapshotStore.FileStored s = snapshots.get(index, term);
      if (s == null) {
        throw new GoneException(
            "snapshot "
                + index
                + "-"
                + term
                + " is no longer on node "
                + driver.id()
                + " (a newer one replaced it); start the backup again");
      }
      return open(s);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read snapshot " + index + "-" + term + ": " + e.getMessage(), e);
    }
  }

  private Download open(FileSnapshotStore.FileStored s) throws IOException {
    String key = s.metadata().getIndex() + "-" + s.metadata().getTerm();
    Download d = open.get(key);
    if (d == null) {
      d = new Download(s, FileChannel.open(s.data(), StandardOpenOption.READ));
      open.put(key, d);
    }
    return d;
  }

  /** Reads the chunk at offset; the download ends (its file closes) with the last one. */
  private BackupChunk chunk(Download d, long offset, int maxBytes) {
    d.lastUsedNanos = System.nanoTime();
    long size = d.stored.size();
    if (offset > size) {
      throw new IllegalArgumentException(
          "offset " + offset + " is beyond the snapshot's " + size + " bytes");
    }
    int want = maxBytes <= 0 ? maxChunkBytes : Math.min(maxBytes, maxChunkBytes);
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(want, size - offset));
    try {
      while (buf.hasRemaining()) {
        if (d.channel.read(buf, offset + buf.position()) < 0) {
          throw new IOException(
              d.stored.data() + " ends at " + (offset + buf.position()) + " of " + size + " bytes");
        }
      }
    } catch (IOException e) {
      close(d);
      throw new UncheckedIOException("cannot read " + d.stored.data() + ": " + e.getMessage(), e);
    }
    if (offset + buf.capacity() >= size) close(d);
    return BackupChunk.newBuilder()
        .setIndex(d.stored.metadata().getIndex())
        .setTerm(d.stored.metadata().getTerm())
        .setConf(AdminStatus.membership(d.stored.metadata().getConfState()))
        .setClusterId(clusterId)
        .setNodeId(driver.id())
        .setStateMachine(stateMachine)
        .setSize(size)
        .setCrc32C(d.stored.crc32c())
        .setOffset(offset)
        .setData(UnsafeByteOperations.unsafeWrap(buf.array())) // never written to again
        .build();
  }

  private void close(Download d) {
    open.values().remove(d);
    try {
      d.channel.close();
    } catch (IOException e) {
      // nothing to lose: it was only read
    }
  }

  private void expireIdle() {
    long now = System.nanoTime();
    for (Iterator<Download> it = open.values().iterator(); it.hasNext(); ) {
      Download d = it.next();
      if (now - d.lastUsedNanos > IDLE_NANOS) {
        it.remove();
        try {
          d.channel.close();
        } catch (IOException e) {
          // as above
        }
      }
    }
  }

  /** Closes the files of unfinished downloads (on the reader thread) and stops it. */
  @Override
  public void close() {
    reader.execute(
        () -> {
          for (Download d : open.values()) {
            try {
              d.channel.close();
            } catch (IOException e) {
              // as above
            }
          }
          open.clear();
        });
    reader.shutdown();
  }
}
