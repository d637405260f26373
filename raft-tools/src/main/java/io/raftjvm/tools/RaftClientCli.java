package io.raftjvm.tools;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.raftjvm.client.ClientException;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.counter.tools.Cluster;
import io.raftjvm.counter.tools.DurationConverter;
import io.raftjvm.counter.tools.Tools;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code raft-client --cluster host:port,... propose|query (--utf8 TEXT | --hex HEX | --file F)}:
 * sends one command or query, in the bytes of whatever state machine the cluster runs, and prints
 * the answer. Exit codes as {@code counter.sh}: 0 done, 1 failed (nothing applied), 2 usage error,
 * 3 outcome unknown (the propose may or may not have been applied).
 */
@Command(
    name = "raft-client",
    mixinStandardHelpOptions = true,
    versionProvider = io.raftjvm.tools.VersionProvider.class,
    sortOptions = false,
    synopsisSubcommandLabel = "(propose | query)",
    description = "Sends a command or a query to any state machine of a Raft cluster.",
    subcommands = {RaftClientCli.Propose.class, RaftClientCli.Query.class},
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
      "0:done",
      "1:failed (nothing applied)",
      "2:usage error",
      "3:outcome unknown: the propose may or may not have been applied"
    })
public final class RaftClientCli implements Callable<Integer> {
  @picocli.CommandLine.Mixin io.raftjvm.counter.tools.TlsOptions tls;

  @Option(
      names = "--cluster",
      required = true,
      scope = ScopeType.INHERIT,
      paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Client addresses of the cluster's servers (any subset; the leader is found).")
  String cluster;

  @Option(
      names = "--state-machine",
      defaultValue = "",
      scope = ScopeType.INHERIT,
      paramLabel = "NAME",
      description =
          "The state machine the servers must run (raft.state-machine); a cluster running another"
              + " refuses the request. Default: not checked.")
  String stateMachine;

  @Option(
      names = "--cluster-id",
      defaultValue = "",
      scope = ScopeType.INHERIT,
      paramLabel = "ID",
      description = "The cluster id the servers must have (raft.cluster-id). Default: not checked.")
  String clusterId;

  @Option(
      names = "--timeout",
      defaultValue = "5s",
      scope = ScopeType.INHERIT,
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description =
          "How long to wait for the answer, retries included (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(
      names = "--out",
      defaultValue = "utf8",
      scope = ScopeType.INHERIT,
      paramLabel = "utf8|hex|raw",
      description =
          "How to print the answer: text and a newline, hexadecimal and a newline, or the bytes as"
              + " they are (default: ${DEFAULT-VALUE}).")
  String out;

  @Spec CommandSpec spec;

  /** Where --out raw writes; System.out unless a test gives its own. */
  private final OutputStream raw;

  RaftClientCli(OutputStream raw) {
    this.raw = raw;
  }

  public static void main(String[] args) {
    ToolLogging.quiet();
    PrintWriter out =
        new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, UTF_8)), true);
    PrintWriter err =
        new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.err, UTF_8)), true);
    System.exit(commandLine(out, err, System.out).execute(args));
  }

  /** The picocli command line, writing to the given streams (tests pass their own). */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err, OutputStream raw) {
    return Tools.commandLine(new RaftClientCli(raw), "raft-client", out, err);
  }

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "missing command: propose or query");
  }

  /** Exactly one way to give the bytes. */
  static final class Input {
    @Option(names = "--utf8", paramLabel = "TEXT", description = "The bytes as UTF-8 text.")
    String utf8;

    @Option(names = "--hex", paramLabel = "HEX", description = "The bytes in hexadecimal.")
    String hex;

    @Option(names = "--file", paramLabel = "FILE", description = "The bytes of a file.")
    Path file;

    byte[] bytes(CommandSpec where) {
      if (utf8 != null) return utf8.getBytes(UTF_8);
      if (hex != null) {
        try {
          return HexFormat.of().parseHex(hex.strip());
        } catch (IllegalArgumentException e) {
          throw new ParameterException(
              where.commandLine(), "Invalid value for option '--hex': " + e.getMessage());
        }
      }
      try {
        return Files.readAllBytes(file);
      } catch (IOException e) {
        throw new ParameterException(
            where.commandLine(), "cannot read --file " + file + ": " + e.getMessage());
      }
    }
  }

  /** What propose and query share: the input, and the call. */
  abstract static class Send implements Callable<Integer> {
    @ParentCommand RaftClientCli parent;

    @ArgGroup(multiplicity = "1")
    Input input;

    @Spec CommandSpec spec;

    abstract boolean propose();

    @Override
    public Integer call() throws InterruptedException {
      return parent.run(spec, propose(), input.bytes(spec));
    }
  }

  /** {@code propose}. */
  @Command(
      name = "propose",
      mixinStandardHelpOptions = true,
      description = "Sends a command; prints its result once it is committed and applied.")
  static final class Propose extends Send {
    @Override
    boolean propose() {
      return true;
    }
  }

  /** {@code query}. */
  @Command(
      name = "query",
      mixinStandardHelpOptions = true,
      description = "Sends a read-only query (linearizable); prints the answer.")
  static final class Query extends Send {
    @Override
    boolean propose() {
      return false;
    }
  }

  private int run(CommandSpec where, boolean propose, byte[] bytes) throws InterruptedException {
    if (!out.equals("utf8") && !out.equals("hex") && !out.equals("raw")) {
      throw new ParameterException(
          where.commandLine(), "Invalid value for option '--out': expected utf8, hex or raw");
    }
    if (timeout.isZero() || timeout.isNegative()) {
      throw new ParameterException(where.commandLine(), "--timeout must be positive");
    }
    RaftClientOptions options;
    try {
      options =
          RaftClientOptions.builder(Cluster.parse(cluster))
              .clusterId(clusterId)
              .stateMachine(stateMachine)
              .requestTimeout(timeout)
              .tls(tls.settings(where))
              .build();
    } catch (TypeConversionException e) {
      throw new ParameterException(
          where.commandLine(), "Invalid value for option '--cluster': " + e.getMessage());
    }
    PrintWriter text = where.commandLine().getOut();
    PrintWriter err = where.commandLine().getErr();
    byte[] result;
    try (RaftClient client = RaftClient.create(options)) {
      result = propose ? client.proposeSync(bytes) : client.querySync(bytes);
    } catch (ClientException e) {
      boolean unknown = propose && e.outcomeUnknown();
      err.println(
          "raft-client: "
              + e.getMessage()
              + (unknown && !e.getMessage().contains("may or may not")
                  ? ": the propose may or may not have been applied"
                  : ""));
      err.flush();
      return unknown ? Tools.OUTCOME_UNKNOWN : Tools.FAILED;
    }
    switch (out) {
      case "hex" -> text.println(HexFormat.of().formatHex(result));
      case "raw" -> {
        try {
          raw.write(result);
          raw.flush();
        } catch (IOException e) {
          err.println("raft-client: cannot write the answer: " + e.getMessage());
          err.flush();
          return Tools.FAILED;
        }
      }
      default -> text.println(new String(result, UTF_8));
    }
    text.flush();
    return Tools.OK;
  }
}
