package io.raftjvm.server;

import io.raftjvm.log.chronicle.ChronicleLogStore;
import io.raftjvm.log.chronicle.StorageException;
import io.raftjvm.runtime.ForcedRecovery;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Disaster recovery on one stopped server ({@code raft-admin --config node.conf recover}): its log
 * is forced to a configuration of itself alone ({@link ForcedRecovery}, which says what that
 * risks), so that, started again, it elects itself and serves, and new servers can be added to it.
 * Offline: a running server holds its data directory's lock, and the recovery is refused.
 */
public final class Recover {
  private Recover() {}

  /**
   * Forces the log in cfg's data directory; throws StorageException or {@link
   * ForcedRecovery.RecoveryRefusedException} (one line, nothing written) when it cannot.
   */
  public static ForcedRecovery.Result run(ServerConfig cfg) {
    return open(cfg, false);
  }

  /** What {@link #run} would do, writing nothing (ForcedRecovery.plan). */
  public static ForcedRecovery.Result plan(ServerConfig cfg) {
    return open(cfg, true);
  }

  private static ForcedRecovery.Result open(ServerConfig cfg, boolean dryRun) {
    Path raft = cfg.dataDir().resolve("raft");
    if (!Files.isDirectory(raft)) {
      throw new StorageException(
          "data directory "
              + cfg.dataDir()
              + " holds no Raft log (no "
              + raft.getFileName()
              + "/): nothing to recover");
    }
    Restore.refuseUnfinished(cfg.dataDir());
    try (ChronicleLogStore log =
        ChronicleLogStore.open(raft, cfg.clusterId(), cfg.nodeId(), cfg.log().storeOptions())) {
      return dryRun
          ? ForcedRecovery.plan(log, RaftServer.member(cfg.self()))
          : ForcedRecovery.run(log, RaftServer.member(cfg.self()));
    }
  }
}
