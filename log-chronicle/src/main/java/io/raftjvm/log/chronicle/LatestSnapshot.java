package io.raftjvm.log.chronicle;

import io.raftjvm.proto.SnapshotMetadata;
import java.nio.file.Path;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The latest snapshot, taken here or installed from the leader, and its file ({@link
 * SnapshotMetaFile}). The file never names an entry that is not on disk: the owner forces the queue
 * before every write of it. An install is recorded at once and written to the file at the next
 * sync, after its RESET record is forced ({@link #fileBehind()}). Mutated on the writer thread;
 * {@link #get()} from any.
 */
final class LatestSnapshot {
  private static final Logger LOG = LoggerFactory.getLogger(LatestSnapshot.class);

  private final SnapshotMetaFile file;
  private final boolean durable;

  /** As in {@code snapshot.meta}, or an install not yet written there; null when none. */
  private volatile SnapshotMetadata recorded;

  /** recorded is an install that the file does not hold yet. */
  private boolean fileBehind;

  LatestSnapshot(Path dir, boolean durable) {
    this.file = new SnapshotMetaFile(dir);
    this.durable = durable;
  }

  /** The file as it is on disk (null when none): read before replay. */
  SnapshotMetadata readFile() {
    return file.read();
  }

  /**
   * Settles the latest snapshot after replay: the newer of the file's and the last installed
   * snapshot replayed. The latter is newer only after a crash between an install's RESET record and
   * its file write: the install is completed by writing the file.
   *
   * @param termAt the log's term at an index in [base, last]
   * @throws StorageException when the snapshot is beyond the log or disagrees with it
   */
  void open(
      SnapshotMetadata fromFile,
      SnapshotMetadata replayedInstall,
      long base,
      long last,
      LongUnaryOperator termAt,
      Path queueDir) {
    SnapshotMetadata latest = fromFile;
    boolean completeInstall =
        replayedInstall != null
            && (latest == null || replayedInstall.getIndex() > latest.getIndex());
    if (completeInstall) latest = replayedInstall;
    if (latest != null) {
      long i = latest.getIndex();
      if (i > last) {
        throw new StorageException(
            file.path()
                + ": snapshot index "
                + i
                + " is beyond the last log entry "
                + last
                + " in "
                + queueDir);
      }
      if (i >= base && termAt.applyAsLong(i) != latest.getTerm()) {
        throw new StorageException(
            file.path()
                + ": snapshot at index "
                + i
                + " has term "
                + latest.getTerm()
                + " but the log has term "
                + termAt.applyAsLong(i)
                + " there, in "
                + queueDir);
      }
    }
    if (completeInstall) {
      LOG.warn(
          "{}: completing the install of snapshot {} (term {}) that a crash interrupted",
          file.path().getParent(),
          latest.getIndex(),
          latest.getTerm());
      file.write(latest, durable);
    }
    this.recorded = latest;
  }

  SnapshotMetadata get() {
    return recorded;
  }

  /** A snapshot taken here; the queue is forced. */
  void taken(SnapshotMetadata meta) {
    file.write(meta, durable);
    recorded = meta;
    fileBehind = false;
  }

  /** A snapshot from the leader, whose RESET record is written but not yet forced. */
  void installed(SnapshotMetadata meta) {
    recorded = meta;
    fileBehind = true;
  }

  boolean fileBehind() {
    return fileBehind;
  }

  /** Writes the install to the file; the queue holding its RESET record is forced. */
  void writeFile() {
    file.write(recorded, durable);
    fileBehind = false;
  }
}
