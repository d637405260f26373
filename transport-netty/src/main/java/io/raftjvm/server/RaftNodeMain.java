package io.raftjvm.server;

import io.raftjvm.log.chronicle.StorageException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The server process ({@code bin/raft-node.sh}): loads the config, logs to the data directory,
 * writes the pid file, starts the server and stops it cleanly on SIGTERM. Exit status 2 with one
 * line when it cannot start, 1 when the node stopped on a failure.
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
      NodeFiles.logToDataDir(Files.createDirectories(config.dataDir()));
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
