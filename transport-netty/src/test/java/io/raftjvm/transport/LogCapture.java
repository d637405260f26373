package io.raftjvm.transport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Collects the log lines of one class (thread-safe); close() detaches it. A line logged with a
 * throwable ends in " [stack trace of CLASS]", so tests can tell.
 */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final Logger logger;
  private final List<String> lines = new CopyOnWriteArrayList<>();

  LogCapture(Class<?> type) {
    logger = (Logger) LoggerFactory.getLogger(type);
    setContext(logger.getLoggerContext());
    start();
    logger.addAppender(this);
  }

  @Override
  protected void append(ILoggingEvent e) {
    String trace =
        e.getThrowableProxy() == null
            ? ""
            : " [stack trace of " + e.getThrowableProxy().getClassName() + "]";
    lines.add(e.getLevel() + " " + e.getFormattedMessage() + trace);
  }

  /** Lines at {@code level}, as "LEVEL message". */
  List<String> lines(Level level) {
    return lines.stream().filter(l -> l.startsWith(level + " ")).toList();
  }

  @Override
  public void close() {
    logger.detachAppender(this);
    stop();
  }
}
