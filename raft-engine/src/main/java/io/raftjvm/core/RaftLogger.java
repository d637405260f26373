package io.raftjvm.core;

/**
 * Logging seam of the core: the core never touches a logging framework, so tests can capture its
 * lines and the runtime can route them to slf4j.
 *
 * <p>Messages use {@code {}} placeholders, filled in order by {@link #format}. Line formats are
 * stable ("{} became leader at term {}") because tests assert on them.
 */
public interface RaftLogger {
  enum Level {
    DEBUG,
    INFO,
    WARN
  }

  /** Discards everything. */
  RaftLogger NOP = (level, line) -> {};

  /** Receives one finished line. */
  void log(Level level, String line);

  /** Whether lines of this level are wanted; formatting is skipped otherwise. */
  default boolean isEnabled(Level level) {
    return level != Level.DEBUG;
  }

  default void debug(String fmt, Object... args) {
    if (isEnabled(Level.DEBUG)) log(Level.DEBUG, format(fmt, args));
  }

  default void info(String fmt, Object... args) {
    if (isEnabled(Level.INFO)) log(Level.INFO, format(fmt, args));
  }

  default void warn(String fmt, Object... args) {
    if (isEnabled(Level.WARN)) log(Level.WARN, format(fmt, args));
  }

  /** Replaces each {@code {}} in fmt with the next argument. */
  static String format(String fmt, Object... args) {
    StringBuilder sb = new StringBuilder(fmt.length() + 16 * args.length);
    int from = 0;
    int arg = 0;
    while (true) {
      int at = fmt.indexOf("{}", from);
      if (at < 0 || arg >= args.length) break;
      sb.append(fmt, from, at).append(args[arg++]);
      from = at + 2;
    }
    return sb.append(fmt, from, fmt.length()).toString();
  }
}
