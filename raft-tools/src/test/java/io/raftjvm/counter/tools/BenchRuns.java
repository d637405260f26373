package io.raftjvm.counter.tools;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the benchmark in this JVM for integration tests, and reads numbers from its JSON summary.
 */
final class BenchRuns {
  private BenchRuns() {}

  record Run(int exit, String out, String err) {}

  /** Runs counter-bench with args; echoes what it printed. */
  static Run bench(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        CounterBench.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
            .execute(args);
    System.out.print(err);
    System.out.print(out);
    return new Run(exit, out.toString(), err.toString());
  }

  /** Runs the counter CLI with args. */
  static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        CounterCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
            .execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** The integer under key in a JSON summary. */
  static long number(String json, String key) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":(-?\\d+)").matcher(json);
    assertTrue(m.find(), key + " in " + json);
    return Long.parseLong(m.group(1));
  }
}
