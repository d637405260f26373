package io.raftjvm.faults.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.raftjvm.counter.tools.DurationConverter;
import io.raftjvm.lincheck.CheckResult;
import io.raftjvm.lincheck.CounterModel;
import io.raftjvm.lincheck.LinearizabilityChecker;
import io.raftjvm.lincheck.Model;
import io.raftjvm.lincheck.Operation;
import io.raftjvm.lincheck.RegisterModel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bin/lincheck.sh}: checks one history file for linearizability. */
@Command(
    name = "lincheck.sh",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Checks a history (JSON lines, as counter-bench --history writes) for linearizability against the"
          + " counter (add returns the new value; get) or a single register (put, get, cas). Operations whose outcome"
          + " is unknown (status timeout) may or may not have taken effect. For a violation, prints the first window of"
          + " operations that no order explains."
    },
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
      "0:linearizable",
      "1:not linearizable",
      "2:unknown (the time limit ran out)",
      "3:bad input: unreadable history or usage error"
    })
public final class LinCheck implements Callable<Integer> {
  @Option(
      names = "--model",
      defaultValue = "counter",
      paramLabel = "counter|register",
      description = "The object the history ran against (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--initial",
      defaultValue = "0",
      paramLabel = "N",
      description = "The value before the first operation (default: ${DEFAULT-VALUE}).")
  long initial;

  @Option(
      names = "--time-limit",
      defaultValue = "5m",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Give up (exit 2) after this long, e.g. 30s, 5m (default: ${DEFAULT-VALUE}).")
  Duration timeLimit;

  @Option(names = "--json", description = "Print the result as one JSON object.")
  boolean json;

  @Parameters(index = "0", paramLabel = "HISTORY", description = "The history file.")
  Path history;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command; its exit code. */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new LinCheck());
    cl.setExitCodeExceptionMapper(e -> 3);
    cl.setParameterExceptionHandler(
        (e, a) -> {
          cl.getErr().println("lincheck: " + e.getMessage());
          cl.getErr().println("Try 'lincheck.sh --help'.");
          return 3;
        });
    cl.setExecutionExceptionHandler(
        (e, c, p) -> {
          c.getErr()
              .println("lincheck: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
          return 3;
        });
    return cl.execute(args);
  }

  @Override
  public Integer call() throws Exception {
    Model m =
        switch (model) {
          case "counter" -> new CounterModel();
          case "register" -> new RegisterModel();
          default ->
              throw new IllegalArgumentException(
                  "--model: unknown model '" + model + "' (counter, register)");
        };
    if (!Files.isRegularFile(history)) throw new NoSuchFileException(history + ": no such file");
    List<Operation> ops = HistoryParser.read(history);
    CheckResult r = new LinearizabilityChecker(m).initial(initial).timeLimit(timeLimit).check(ops);
    System.out.println(json ? toJson(r) : r.explain());
    return switch (r.verdict()) {
      case LINEARIZABLE -> 0;
      case NOT_LINEARIZABLE -> 1;
      case UNKNOWN -> 2;
    };
  }

  /** The result as one JSON object. */
  static String toJson(CheckResult r) {
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.put("verdict", r.verdict().name().toLowerCase(Locale.ROOT));
    o.put("model", r.model());
    o.put("operations", r.operations());
    o.put("unknown", r.unknown());
    o.put("elapsedMillis", r.elapsedMillis());
    if (r.verdict() == CheckResult.Verdict.NOT_LINEARIZABLE) {
      o.put("windowStartMillis", r.windowStartMillis());
      o.put("windowEndMillis", r.windowEndMillis());
      o.put("stateBefore", r.stateBefore());
      if (r.stuck() != null) o.put("cannotReturn", r.stuck().describe(r.origin()));
      ArrayNode w = o.putArray("window");
      for (Operation op : r.window()) w.add(op.describe(r.origin()));
      ArrayNode p = o.putArray("placedBefore");
      for (Operation op : r.placedBefore()) p.add(op.describe(r.origin()));
    }
    return o.toString();
  }
}
