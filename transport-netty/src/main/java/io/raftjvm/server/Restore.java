package io.raftjvm.server;

import io.raftjvm.client.BackupFile;
import io.raftjvm.client.proto.BackupHeader;
import io.raftjvm.log.chronicle.ChronicleLogStore;
import io.raftjvm.log.chronicle.StorageException;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Snapshot;
import io.raftjvm.proto.SnapshotMetadata;
import io.raftjvm.runtime.FileSnapshotStore;
import io.raftjvm.runtime.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Restores a backup into one server's empty data directory, offline ({@code raft-admin restore FILE
 * --config node.conf}), as the first state of a new cluster: the backup's snapshot becomes the
 * snapshot the server's log starts after (its index and term; its configuration the one the config
 * file's {@code raft.peers} names, every peer a voter), with the hard state at the snapshot's term
 * and commit index. The server then starts as usual: it restores its state machine from the
 * snapshot, and the restored servers elect a leader among themselves (their logs are identical) at
 * the next term. Every server of the new cluster is restored from the same file with the same
 * {@code raft.peers}.
 *
 * <p>Refused, with one line and nothing written: a file that is not a whole backup (magic, version,
 * checksums, size), a backup of another state machine than {@code raft.state-machine}, a data
 * directory that is not empty. The restore writes a marker file first and deletes it last; a server
 * whose data directory still holds the marker (a restore that did not finish) refuses to start.
 */
public final class Restore {
  /** Present while a restore writes the data directory. */
  static final String MARKER = "restore.incomplete";

  private Restore() {}

  /** What a restore did. */
  public record Result(BackupHeader backup, ConfState conf, Path dataDir) {}

  /** A restore that cannot be done or did not finish; the message is one line saying why. */
  public static final class RestoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RestoreException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Restores the backup in file into the data directory of the server cfg describes. */
  public static Result run(Path file, ServerConfig cfg) {
    BackupFile.Backup backup;
    try {
      backup = BackupFile.open(file);
    } catch (IOException e) {
      throw new RestoreException(e.getMessage(), e);
    }
    BackupHeader h = backup.header();
    if (!h.getStateMachine().equals(cfg.plugin().name())) {
      throw new RestoreException(
          file
              + " is a backup of state machine '"
              + h.getStateMachine()
              + "'; this server runs '"
              + cfg.plugin().name()
              + "' (raft.state-machine)",
          null);
    }
    Path dir = cfg.dataDir();
    List<String> present = contents(dir);
    if (!present.isEmpty()) {
      throw new RestoreException(
          "data directory "
              + dir
              + " is not empty (it holds "
              + String.join(", ", present.subList(0, Math.min(5, present.size())))
              + (present.size() > 5 ? ", ..." : "")
              + "): a backup is restored only into an empty one",
          null);
    }
    ConfState conf = RaftServer.foundingConfiguration(cfg);
    SnapshotMetadata meta =
        SnapshotMetadata.newBuilder()
            .setIndex(h.getIndex())
            .setTerm(h.getTerm())
            .setConfState(conf)
            .build();
    Path marker = dir.resolve(MARKER);
    try {
      Files.createDirectories(dir);
      Files.writeString(marker, "restoring " + file.toAbsolutePath() + "\n");
      force(marker);
      force(dir);
      writeSnapshot(backup, meta, dir.resolve("snapshots"));
      writeLog(meta, cfg);
      Files.delete(marker);
      force(dir);
    } catch (IOException | RuntimeException e) {
      throw new RestoreException(
          "restoring "
              + file
              + " into "
              + dir
              + " failed: "
              + e.getMessage()
              + (Files.exists(marker)
                  ? "; empty " + dir + " before restoring again (the server refuses to start on it)"
                  : ""),
          e);
    }
    return new Result(h, conf, dir);
  }

  /**
   * A server refuses to start on a data directory a restore did not finish writing: it could hold a
   * snapshot without the log that records it, and the server would found an empty cluster there.
   */
  static void refuseUnfinished(Path dataDir) {
    if (Files.exists(dataDir.resolve(MARKER))) {
      throw new StorageException(
          "data directory "
              + dataDir
              + " holds a restore that did not finish ("
              + MARKER
              + "): empty it and run raft-admin restore again");
    }
  }

  /** The snapshot data into a new snapshot store, checked again against the header. */
  private static void writeSnapshot(BackupFile.Backup backup, SnapshotMetadata meta, Path dir)
      throws IOException {
    FileSnapshotStore store = FileSnapshotStore.open(dir);
    SnapshotStore.Writer w = store.begin(meta.getIndex(), meta.getTerm());
    boolean finished = false;
    try (InputStream in = backup.data()) {
      byte[] buf = new byte[1 << 16];
      long left = backup.header().getSize();
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) throw new IOException(backup.file() + " ended early");
        w.append(ByteBuffer.wrap(buf, 0, n));
        left -= n;
      }
      w.finishReceived(meta, backup.header().getSize(), backup.header().getCrc32C());
      finished = true;
    } finally {
      if (!finished) w.abort();
    }
  }

  /** The log: empty after the snapshot, the hard state at its term, committed up to it. */
  private static void writeLog(SnapshotMetadata meta, ServerConfig cfg) {
    try (ChronicleLogStore log =
        ChronicleLogStore.open(
            cfg.dataDir().resolve("raft"),
            cfg.clusterId(),
            cfg.nodeId(),
            cfg.log().storeOptions())) {
      log.applySnapshot(Snapshot.newBuilder().setMetadata(meta).build());
      log.setHardState(
          HardState.newBuilder().setTerm(meta.getTerm()).setCommit(meta.getIndex()).build());
      log.sync();
    }
  }

  /** The names in dir (none when it does not exist), but a file system's lost+found. */
  private static List<String> contents(Path dir) {
    List<String> names = new ArrayList<>();
    if (!Files.exists(dir)) return names;
    if (!Files.isDirectory(dir))
      throw new RestoreException("data directory " + dir + " is not a directory", null);
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (!name.equals("lost+found")) names.add(name);
      }
    } catch (IOException e) {
      throw new RestoreException("cannot list data directory " + dir + ": " + e.getMessage(), e);
    }
    names.sort(null);
    return names;
  }

  private static void force(Path p) {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some platforms cannot open directories; as durable as they allow.
    }
  }
}
