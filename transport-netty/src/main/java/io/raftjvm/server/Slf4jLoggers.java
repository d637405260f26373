package io.raftjvm.server;

import io.raftjvm.core.RaftLogger;
import java.text.MessageFormat;
import java.util.ResourceBundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Routes the core's {@link RaftLogger} and plugins' {@link System.Logger} to slf4j. */
final class Slf4jLoggers {
  private Slf4jLoggers() {}

  static RaftLogger raft(String name) {
    Logger log = LoggerFactory.getLogger(name);
    return new RaftLogger() {
      @Override
      public void log(RaftLogger.Level level, String line) {
        switch (level) {
          case DEBUG -> log.debug(line);
          case INFO -> log.info(line);
          case WARN -> log.warn(line);
        }
      }

      @Override
      public boolean isEnabled(RaftLogger.Level level) {
        return switch (level) {
          case DEBUG -> log.isDebugEnabled();
          case INFO -> log.isInfoEnabled();
          case WARN -> log.isWarnEnabled();
        };
      }
    };
  }

  static System.Logger system(String name) {
    Logger log = LoggerFactory.getLogger(name);
    return new System.Logger() {
      @Override
      public String getName() {
        return name;
      }

      @Override
      public boolean isLoggable(System.Logger.Level level) {
        return switch (level) {
          case ALL, TRACE -> log.isTraceEnabled();
          case DEBUG -> log.isDebugEnabled();
          case INFO -> log.isInfoEnabled();
          case WARNING -> log.isWarnEnabled();
          case ERROR -> log.isErrorEnabled();
          case OFF -> false;
        };
      }

      @Override
      public void log(
          System.Logger.Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        emit(level, msg, thrown);
      }

      @Override
      public void log(
          System.Logger.Level level, ResourceBundle bundle, String format, Object... params) {
        emit(
            level,
            params == null || params.length == 0 ? format : MessageFormat.format(format, params),
            null);
      }

      private void emit(System.Logger.Level level, String msg, Throwable t) {
        switch (level) {
          case ALL, TRACE -> log.trace(msg, t);
          case DEBUG -> log.debug(msg, t);
          case INFO -> log.info(msg, t);
          case WARNING -> log.warn(msg, t);
          case ERROR -> log.error(msg, t);
          case OFF -> {}
        }
      }
    };
  }
}
