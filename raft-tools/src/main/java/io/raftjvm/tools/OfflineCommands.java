package io.raftjvm.tools;

import io.raftjvm.log.chronicle.StorageException;
import io.raftjvm.server.ConfigException;
import io.raftjvm.server.Restore;
import io.raftjvm.server.ServerConfig;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The commands of {@code raft-admin.sh} that work offline on one server's data directory, with the
 * server stopped: {@code restore}. They run the server's own code (from the server's jars, which
 * the script puts on the class path) on the config file the server starts with.
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
}
