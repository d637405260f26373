package io.raftjvm.counter.tools;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.raftjvm.client.ClientException;
import io.raftjvm.client.Durations;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.tools.ToolLogging;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code counter --cluster host:port,... add DELTA | get}: adds to the replicated counter and
 * prints the new value, or prints its value.
 *
 * <p>Exit codes: 0 done; 1 failed (nothing was changed: the cluster was unreachable, had no leader,
 * or the counter refused the add because it would overflow); 2 usage error; 3 outcome unknown (the
 * add was sent but no answer came: it may or may not have been applied; read the value to find out,
 * and do not simply retry).
 */
@Command(
    name = "counter",
    mixinStandardHelpOptions = true,
    versionProvider = io.raftjvm.tools.VersionProvider.class,
    sortOptions = false,
    synopsisSubcommandLabel = "(add DELTA | get)",
    description = "Adds to or reads the replicated counter of a Raft cluster.",
    subcommands = {CounterCli.Add.class, CounterCli.Get.class},
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
      "0:done",
      "1:failed (nothing changed)",
      "2:usage error",
      "3:outcome unknown: the add may or may not have been applied"
    })
public final class CounterCli implements Callable<Integer> {
  @picocli.CommandLine.Mixin TlsOptions tls;

  @Option(
      names = "--cluster",
      required = true,
      scope = ScopeType.INHERIT,
      paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Client addresses of the cluster's servers (any subset; the leader is found).")
  String cluster;

  @Option(
      names = "--timeout",
      defaultValue = "5s",
      scope = ScopeType.INHERIT,
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description =
          "How long to wait for the answer, retries included (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    ToolLogging.quiet();
    System.exit(commandLine(stdout(), stderr()).execute(args));
  }

  /** The picocli command line, writing to the given streams (tests pass their own). */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    return Tools.commandLine(new CounterCli(), "counter", out, err);
  }

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "missing command: add DELTA or get");
  }

  /** {@code add DELTA}. */
  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = "Adds DELTA (a 64-bit integer, may be negative) and prints the new value.")
  static final class Add implements Callable<Integer> {
    @ParentCommand CounterCli parent;

    @Parameters(index = "0", paramLabel = "DELTA", description = "The amount to add.")
    long delta;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
      return parent.run(spec, true, delta);
    }
  }

  /** {@code get}. */
  @Command(name = "get", mixinStandardHelpOptions = true, description = "Prints the value.")
  static final class Get implements Callable<Integer> {
    @ParentCommand CounterCli parent;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
      return parent.run(spec, false, 0);
    }
  }

  /** The servers named by --cluster; a usage error when malformed. */
  List<String> servers(CommandSpec where) {
    try {
      return Cluster.parse(cluster);
    } catch (TypeConversionException e) {
      throw new ParameterException(
          where.commandLine(), "Invalid value for option '--cluster': " + e.getMessage());
    }
  }

  RaftClientOptions options(CommandSpec where) {
    if (timeout.isZero() || timeout.isNegative()) {
      throw new ParameterException(where.commandLine(), "--timeout must be positive");
    }
    // Counter commands must never reach a cluster running another state machine.
    return RaftClientOptions.builder(servers(where))
        .stateMachine(CounterWire.STATE_MACHINE)
        .requestTimeout(timeout)
        .tls(tls.settings(where))
        .build();
  }

  private int run(CommandSpec where, boolean add, long delta) throws InterruptedException {
    RaftClientOptions options = options(where);
    PrintWriter out = where.commandLine().getOut();
    PrintWriter err = where.commandLine().getErr();
    byte[] result;
    try (RaftClient client = RaftClient.create(options)) {
      result =
          add ? client.proposeSync(CounterWire.add(delta)) : client.querySync(CounterWire.get());
    } catch (ClientException e) {
      boolean unknown = add && Outcomes.status(e, true) == HistoryRecord.Status.TIMEOUT;
      err.println("counter: " + failureMessage(e, add, timeout));
      err.flush();
      return unknown ? Tools.OUTCOME_UNKNOWN : Tools.FAILED;
    }
    if (CounterWire.isRefused(result)) {
      err.println(
          "counter: the counter refused the add of "
              + delta
              + " (the value would overflow); nothing changed");
      err.flush();
      return Tools.FAILED;
    }
    long value;
    try {
      value = CounterWire.value(result);
    } catch (IllegalArgumentException e) {
      err.println(
          "counter: unexpected answer from the cluster ("
              + e.getMessage()
              + (add ? "); the add was applied" : ")"));
      err.flush();
      return Tools.FAILED;
    }
    out.println(value);
    out.flush();
    return Tools.OK;
  }

  /**
   * One line saying what happened; for an add of unknown outcome it always ends with "the add may
   * or may not have been applied".
   */
  static String failureMessage(ClientException e, boolean add, Duration timeout) {
    String unknownTail = "the add may or may not have been applied";
    if (add && Outcomes.status(e, true) == HistoryRecord.Status.TIMEOUT) {
      switch (e.kind()) {
        case TIMEOUT_OUTCOME_UNKNOWN:
          return "no answer from the cluster within "
              + Durations.format(timeout)
              + ": "
              + unknownTail;
        case CONNECTION_LOST_OUTCOME_UNKNOWN:
          return "the connection was lost after the add was sent: " + unknownTail;
        case LEADERSHIP_LOST_OUTCOME_UNKNOWN:
          return "the leader lost leadership before the add committed: " + unknownTail;
        default:
          return e.getMessage() + ": " + unknownTail;
      }
    }
    return e.getMessage();
  }

  private static PrintWriter stdout() {
    return new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, UTF_8)), true);
  }

  private static PrintWriter stderr() {
    return new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.err, UTF_8)), true);
  }
}
