package io.raftjvm.tools;

/** The command-line tools' logging: WARN and above, to stderr, so that stdout stays clean. */
public final class ToolLogging {
  /** Logback configuration for the tools. */
  static final String LOGBACK_RESOURCE = "io/raftjvm/tools/logback-tools.xml";

  private ToolLogging() {}

  /**
   * Points logback at the tools' quiet configuration unless the user chose one with {@code
   * -Dlogback.configurationFile} (the bin/ scripts do). Call before anything creates a logger.
   */
  public static void quiet() {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", LOGBACK_RESOURCE);
    }
  }
}
