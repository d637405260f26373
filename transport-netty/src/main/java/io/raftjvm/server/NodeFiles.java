package io.raftjvm.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a node process keeps in its data directory besides its state: {@code node.pid} (removed on a
 * clean stop). Its log is not there: logback's configuration says where it goes (conf/logback.xml).
 */
final class NodeFiles {
  static final String PID = "node.pid";

  private NodeFiles() {}

  /** Writes the pid file; the returned path is for {@link #removePid}. */
  static Path writePid(Path dataDir) {
    Path pid = dataDir.resolve(PID);
    try {
      Files.createDirectories(dataDir);
      Files.writeString(pid, ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new ConfigException("cannot write " + pid + ": " + e.getMessage());
    }
    return pid;
  }

  static void removePid(Path pid) {
    try {
      Files.deleteIfExists(pid);
    } catch (IOException ignored) {
      // a stale pid file names a process that is gone; scripts check that
    }
  }
}
