package io.raftjvm.server;

import io.raftjvm.log.chronicle.StorageException;
import java.io.File;
import java.nio.file.Path;

/**
 * The server process ({@code bin/raft-node.sh}): loads the config, writes the pid file, starts the
 * server and stops it cleanly on SIGTERM. Exit status 2 with one line when it cannot start, 1 when
 * the node stopped on a failure. Where it logs is logback's configuration: bin/raft-node.sh passes
 * conf/logback.xml (the console and a rolling file outside the data directory).
 */
public final class RaftNodeMain {
  private RaftNodeMain() {}

  /** {@code raft-node.sh --config FILE}: runs until SIGTERM/SIGINT, then shuts down cleanly. */
  public static void main(String[] args) {
    File file = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        file = new File(args[++i]);
      } else if (args[i].equals("-h") || args[i].equals("--help")) {
        System.out.print(
            """
            usage: raft-node.sh --config FILE
              --config FILE   the node's HOCON config (see conf/ and reference.conf)
              -V, --version   prints the version
              -h, --help      prints this help

            environment (bin/raft-node.sh; conf/logback.xml says more):
              JAVA_OPTS                JVM options
              RAFT_HOME                relative paths in the config resolve against it
                                       (default: the directory above bin/)
              RAFT_LOG_DIR             the log files' directory (default RAFT_HOME/logs)
              RAFT_LOG_NAME            the log file's name without .log (default: the
                                       config file's name without .conf, e.g. node1)
              RAFT_LOG_OUTPUT          both (default: console and file), file or console
              RAFT_LOG_FORMAT          text (default) or json (one JSON object per line)
              RAFT_LOG_LEVEL           the root log level (default INFO)
              RAFT_LOG_MAX_FILE_SIZE   a log file rolls over at this size (default 100MB)
              RAFT_LOG_MAX_HISTORY     days of rolled log files kept (default 14)
              RAFT_LOG_TOTAL_SIZE_CAP  the rolled files' total size beyond which the
                                       oldest are deleted (default 1GB)
            """);
        return;
      } else if (args[i].equals("-V") || args[i].equals("--version")) {
        System.out.println("raft-node " + io.raftjvm.client.Version.get());
        return;
      } else {
        exit("unknown argument '" + args[i] + "' (usage: raft-node.sh --config FILE)");
      }
    }
    if (file == null) exit("missing --config FILE (usage: raft-node.sh --config FILE)");
    RaftServer server;
    Path pid = null;
    try {
      ServerConfig config = ServerConfig.load(file);
      pid = NodeFiles.writePid(config.dataDir());
      server = RaftServer.start(config);
    } catch (ConfigException | StorageException e) {
      if (pid != null) NodeFiles.removePid(pid);
      exit(e.getMessage());
      return;
    } catch (Exception e) {
      if (pid != null) NodeFiles.removePid(pid);
      exit("cannot start: " + e);
      return;
    }
    Path pidFile = pid;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  NodeFiles.removePid(pidFile);
                },
                "raft-shutdown"));
    server.awaitClosed();
    if (server.failure() != null) {
      NodeFiles.removePid(pidFile);
      System.err.println(
          "raft-node: node " + server.config().nodeId() + " stopped: " + server.failure());
      System.exit(1);
    }
  }

  private static void exit(String message) {
    System.err.println("raft-node: " + message);
    System.exit(2);
  }
}
