package io.raftjvm.counter.tools;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;

/** What the command-line tools share: exit codes, one-line errors, quiet logging. */
final class Tools {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int OUTCOME_UNKNOWN = 3;

  /** Logback configuration for the tools: WARN and above, to stderr (stdout stays clean). */
  static final String LOGBACK_RESOURCE = "io/raftjvm/counter/tools/logback-tools.xml";

  private Tools() {}

  /**
   * Points logback at the tools' quiet configuration unless the user chose one with {@code
   * -Dlogback.configurationFile}. Call before anything creates a logger.
   */
  static void configureLogging() {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", LOGBACK_RESOURCE);
    }
  }

  /** A picocli command line with one-line usage errors (exit 2) and one-line failures (exit 1). */
  static CommandLine commandLine(Object command, String name, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(command);
    cl.setOut(out);
    cl.setErr(err);
    cl.setParameterExceptionHandler(usageErrors(name));
    cl.setExecutionExceptionHandler(failures(name));
    return cl;
  }

  private static IParameterExceptionHandler usageErrors(String name) {
    return (ex, args) -> {
      PrintWriter err = ex.getCommandLine().getErr();
      err.println(name + ": " + ex.getMessage() + " (see " + name + " --help)");
      err.flush();
      return USAGE;
    };
  }

  private static IExecutionExceptionHandler failures(String name) {
    return (ex, cl, parseResult) -> {
      PrintWriter err = cl.getErr();
      Throwable t = Outcomes.unwrap(ex);
      err.println(name + ": " + (t.getMessage() != null ? t.getMessage() : t.toString()));
      err.flush();
      return FAILED;
    };
  }
}
