package io.raftjvm.server;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * What a node process keeps in its data directory besides its state: {@code node.pid} (removed on a
 * clean stop) and {@code node.log} (everything logged, in addition to the console).
 */
final class NodeFiles {
  static final String PID = "node.pid";
  static final String LOG = "node.log";

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

  /** Sends the log to dataDir/node.log as well, when logback is the slf4j backend. */
  static void logToDataDir(Path dataDir) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) return;
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(ctx);
    encoder.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} [%thread] %-5level %logger{36} - %msg%n");
    encoder.start();
    FileAppender<ILoggingEvent> file = new FileAppender<>();
    file.setContext(ctx);
    file.setName("node-log");
    file.setFile(dataDir.resolve(LOG).toString());
    file.setEncoder(encoder);
    file.start();
    ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(file);
  }
}
