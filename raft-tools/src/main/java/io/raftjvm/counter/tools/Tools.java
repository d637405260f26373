package io.raftjvm.counter.tools;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;

/** What the counter's command-line tools share: exit codes and one-line errors. */
public final class Tools {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;
  public static final int OUTCOME_UNKNOWN = 3;

  private Tools() {}

  /** A picocli command line with one-line usage errors (exit 2) and one-line failures (exit 1). */
  public static CommandLine commandLine(
      Object command, String name, PrintWriter out, PrintWriter err) {
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
