package io.raftjvm.tools;

import io.raftjvm.log.chronicle.StorageException;
import io.raftjvm.runtime.ForcedRecovery;
import io.raftjvm.server.ConfigException;
import io.raftjvm.server.Recover;
import io.raftjvm.server.Restore;
import io.raftjvm.server.ServerConfig;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The commands of {@code raft-admin.sh} that work offline on one server's data directory, with the
 * server stopped: {@code restore} and {@code recover}. They run the server's own code (from the
 * server's jars, which the script puts on the class path) on the config file the server starts
 * with.
 */
final class OfflineCommands {
  private OfflineCommands() {}

  /** {@code raft-admin.sh --config FILE restore BACKUP}. */
  static int restore(Path backup, Path config, PrintStream out, PrintStream err) {
    try {
      ServerConfig cfg = ServerConfig.load(config.toFile());
      Restore.Result r = Restore.run(backup, cfg);
      out.println(
          "restored "
              + backup
              + " (cluster '"
              + r.backup().getClusterId()
              + "' at index "
              + r.backup().getIndex()
              + " term "
              + r.backup().getTerm()
              + ", state machine "
              + r.backup().getStateMachine()
              + ") into "
              + r.dataDir()
              + " as node "
              + cfg.nodeId()
              + " of cluster '"
              + cfg.clusterId()
              + "' with voters "
              + r.conf().getVotersList()
              + "; start it with raft-node.sh --config "
              + config);
      return RaftAdmin.OK;
    } catch (ConfigException | StorageException | Restore.RestoreException e) {
      err.println("raft-admin: restore failed: " + e.getMessage());
      return RaftAdmin.FAILED;
    }
  }

  /** {@code raft-admin.sh --config FILE recover [--dry-run]}. */
  static int recover(Path config, boolean dryRun, PrintStream out, PrintStream err) {
    try {
      ServerConfig cfg = ServerConfig.load(config.toFile());
      if (dryRun) {
        ForcedRecovery.Result r = Recover.plan(cfg);
        out.println(
            "node "
                + cfg.nodeId()
                + " of cluster '"
                + cfg.clusterId()
                + "': last log entry "
                + r.lastIndex()
                + " term "
                + r.lastTerm()
                + ", commit "
                + r.commitBefore()
                + ", configuration voters "
                + r.before().getVotersList()
                + ", learners "
                + r.before().getLearnersList()
                + "; recover would make it the only voter at index "
                + r.index()
                + " term "
                + r.term()
                + " (nothing was written)");
        return RaftAdmin.OK;
      }
      ForcedRecovery.Result r = Recover.run(cfg);
      out.println(
          "node "
              + cfg.nodeId()
              + " of cluster '"
              + cfg.clusterId()
              + "' is now the only voter of its configuration (it was voters "
              + r.before().getVotersList()
              + ", learners "
              + r.before().getLearnersList()
              + "): forced configuration entry at index "
              + r.index()
              + " term "
              + r.term()
              + ".");
      out.println(
          "Its log (entries up to "
              + r.lastIndex()
              + ") is kept and counts as committed"
              + (r.commitBefore() < r.lastIndex()
                  ? ": entries "
                      + (r.commitBefore() + 1)
                      + ".."
                      + r.lastIndex()
                      + " were not known to be committed and will be applied."
                  : "; all of it was known to be committed."));
      out.println(
          "Start it with raft-node.sh --config "
              + config
              + ", then add servers under new ids (add-learner, promote). Never start the lost"
              + " servers on their old data: wipe their data directories first.");
      return RaftAdmin.OK;
    } catch (ConfigException | StorageException | ForcedRecovery.RecoveryRefusedException e) {
      err.println("raft-admin: recover failed: " + e.getMessage());
      return RaftAdmin.FAILED;
    }
  }
}
