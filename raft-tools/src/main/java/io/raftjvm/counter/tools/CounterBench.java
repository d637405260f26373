package io.raftjvm.counter.tools;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.raftjvm.client.ClientException;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.client.proto.NodeStatus;
import io.raftjvm.client.proto.ServerInfo;
import io.raftjvm.tools.ToolLogging;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code counter-bench --cluster host:port,...}: load-tests the replicated counter and checks it.
 *
 * <ol>
 *   <li>Reads the counter's starting value (a get through the leader).
 *   <li>Keeps exactly {@code --concurrency} requests outstanding (async {@link RaftClient} API;
 *       {@code --clients} clients share them) for {@code --warmup} then {@code --duration}: adds of
 *       1 padded to {@code --payload} bytes, and {@code --reads} percent gets. A progress line goes
 *       to stderr every second. {@code --history FILE} records every completed operation.
 *   <li>Waits for the outstanding requests, then for every replica named in {@code --cluster} to
 *       settle, reading each one's own value (local queries), and checks that every replica equals
 *       start + acknowledged adds; adds of unknown outcome widen that to a range (see {@link
 *       Verification}). Nobody else may write to the counter meanwhile.
 *   <li>Prints the summary (text, or one JSON object with {@code --json}) on stdout.
 * </ol>
 *
 * <p>Exit codes: 0 verification passed; 1 verification failed, or the run could not start (no
 * starting value) or its history could not be written; 2 usage error.
 */
@Command(
    name = "counter-bench",
    mixinStandardHelpOptions = true,
    versionProvider = io.raftjvm.tools.VersionProvider.class,
    sortOptions = false,
    description = "Benchmarks the replicated counter and verifies every replica at the end.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
      "0:verification passed",
      "1:verification failed, or the benchmark could not start",
      "2:usage error"
    },
    footerHeading = "%nVerification:%n",
    footer = {
      "Before the run the counter is read (start); every add adds 1. After it, every server"
          + " named in --cluster is read locally (its own state machine) until all equal the"
          + " leader's value and stop changing. Each must then lie in [start + acked, start + acked"
          + " + unknown]: acked counts acknowledged adds, unknown the adds whose outcome is unknown"
          + " (no answer in time, connection or leadership lost). Nobody else may write to the"
          + " counter during the run.",
      "Progress lines go to stderr, the summary to stdout. --history writes every operation,"
          + " warm-up included: {\"process\",\"op\",\"delta\",\"value\",\"invoke\",\"complete\","
          + "\"status\"} with status ok, fail (certainly no effect) or timeout (unknown)."
    })
public final class CounterBench implements Callable<Integer> {
  @picocli.CommandLine.Mixin TlsOptions tls;

  /** TLS for the clients and for the replicas' probes; null for plaintext. */
  private io.raftjvm.client.RaftClientOptions.Tls tlsSettings;

  private javax.net.ssl.SSLSocketFactory replicaTls;

  static final int MAX_PAYLOAD = 1 << 20;

  @Option(
      names = "--cluster",
      required = true,
      paramLabel = "HOST:PORT[,HOST:PORT...]",
      description =
          "Client addresses of the cluster's servers. After the run every member of the"
              + " configuration then in force is verified, at the address the configuration names.")
  String cluster;

  @Option(
      names = "--concurrency",
      defaultValue = "256",
      paramLabel = "N",
      description = "Requests kept outstanding (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(
      names = "--duration",
      defaultValue = "10s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Measured time (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(
      names = "--warmup",
      defaultValue = "2s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Unmeasured load first (default: ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(
      names = "--payload",
      defaultValue = "16",
      paramLabel = "BYTES",
      description = "Size of each add command, >= 9 (default: ${DEFAULT-VALUE}).")
  int payload;

  @Option(
      names = "--reads",
      defaultValue = "0",
      paramLabel = "PERCENT",
      description = "Share of operations that are gets, 0-100 (default: ${DEFAULT-VALUE}).")
  int reads;

  @Option(
      names = "--history",
      paramLabel = "FILE",
      description = "Write one JSON line per completed operation to FILE.")
  Path history;

  @Option(names = "--json", description = "Print the summary as one JSON object.")
  boolean json;

  @Option(
      names = "--timeout",
      defaultValue = "5s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Deadline of each request, retries included (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(
      names = "--clients",
      defaultValue = "1",
      paramLabel = "N",
      description =
          "RaftClient instances (one I/O thread each) sharing the load"
              + " (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = "--verify-timeout",
      defaultValue = "30s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description =
          "How long to wait for the cluster before the run and for the replicas to"
              + " settle after it (default: ${DEFAULT-VALUE}).")
  Duration verifyTimeout;

  @Spec CommandSpec spec;

  public static void main(String[] args) {
    ToolLogging.quiet();
    System.exit(
        commandLine(
                new PrintWriter(
                    new BufferedWriter(new OutputStreamWriter(System.out, UTF_8)), true),
                new PrintWriter(
                    new BufferedWriter(new OutputStreamWriter(System.err, UTF_8)), true))
            .execute(args));
  }

  /** The picocli command line, writing to the given streams (tests pass their own). */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    return Tools.commandLine(new CounterBench(), "counter-bench", out, err);
  }

  /** The validated servers; usage errors as ParameterException. */
  List<String> servers() {
    try {
      return Cluster.parse(cluster);
    } catch (TypeConversionException e) {
      throw usage("Invalid value for option '--cluster': " + e.getMessage());
    }
  }

  /** Checks the options together; throws ParameterException (exit 2) when they do not fit. */
  BenchRun.Settings settings() {
    servers();
    if (concurrency < 1 || concurrency > 1_000_000) {
      throw usage("--concurrency must be between 1 and 1000000, got " + concurrency);
    }
    if (payload < CounterWire.MIN_COMMAND_BYTES || payload > MAX_PAYLOAD) {
      throw usage(
          "--payload must be between "
              + CounterWire.MIN_COMMAND_BYTES
              + " (1-byte op + 8-byte delta) and "
              + MAX_PAYLOAD
              + " bytes, got "
              + payload);
    }
    if (reads < 0 || reads > 100) {
      throw usage("--reads must be a percentage between 0 and 100, got " + reads);
    }
    if (duration.isNegative() || duration.isZero()) {
      throw usage("--duration must be positive");
    }
    if (warmup.isNegative()) {
      throw usage("--warmup must not be negative");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw usage("--timeout must be positive");
    }
    if (verifyTimeout.isNegative() || verifyTimeout.isZero()) {
      throw usage("--verify-timeout must be positive");
    }
    if (clients < 1 || clients > concurrency) {
      throw usage(
          "--clients must be between 1 and --concurrency (" + concurrency + "), got " + clients);
    }
    // Every request fails at its deadline, so the last ones finish within it; a margin for stalls.
    return new BenchRun.Settings(
        concurrency, warmup, duration, payload, reads, timeout.plusSeconds(10));
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  @Override
  public Integer call() throws InterruptedException {
    BenchRun.Settings settings = settings();
    List<String> servers = servers();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();

    HistoryWriter historyWriter = null;
    if (history != null) {
      try {
        historyWriter = HistoryWriter.open(history, 1 << 16);
      } catch (IOException e) {
        err.println("counter-bench: cannot write the history to " + history + ": " + e);
        return Tools.FAILED;
      }
    }
    int perClient = (concurrency + clients - 1) / clients;
    tlsSettings = tls.settings(spec);
    replicaTls = TlsOptions.socketFactory(tlsSettings);
    RaftClientOptions options =
        RaftClientOptions.builder(servers)
            .stateMachine(CounterWire.STATE_MACHINE)
            .requestTimeout(timeout)
            .maxPendingRequests(Math.max(10_000, perClient + 1_000))
            .tls(tlsSettings)
            .build();
    List<RaftClient> raftClients = new ArrayList<>();
    List<ReplicaClient> replicas = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        raftClients.add(RaftClient.create(options));
      }
      RaftClient first = raftClients.get(0);
      long start;
      try {
        start = startingValue(first, err);
      } catch (ClientException | IllegalArgumentException e) {
        err.println("counter-bench: cannot read the counter's starting value: " + e.getMessage());
        closeQuietly(historyWriter);
        return Tools.FAILED;
      }
      List<BenchRun.Target> targets = new ArrayList<>();
      for (RaftClient c : raftClients) {
        targets.add(target(c));
      }
      BenchRun run = new BenchRun(settings, targets, historyWriter, err);
      BenchSummary summary;
      try {
        summary = run.run();
      } catch (InterruptedException e) {
        closeQuietly(historyWriter);
        throw e;
      }
      summary.cluster = servers;
      summary.clients = clients;
      summary.timeout = timeout;
      if (historyWriter != null) {
        summary.historyFile = history.toString();
        try {
          historyWriter.close();
        } catch (IOException e) {
          summary.historyError = e.toString();
        }
        summary.historyLines = historyWriter.written();
        summary.historyParked = historyWriter.parkedCount();
      }
      for (String s : verifiedReplicas(servers, err)) {
        replicas.add(new ReplicaClient(s, timeout, replicaTls));
      }
      ReplicaChecker.Observation seen =
          ReplicaChecker.await(
              () -> CounterWire.value(first.querySync(CounterWire.get())),
              replicas,
              verifyTimeout,
              Duration.ofMillis(100));
      summary.verification =
          Verification.check(
              start,
              run.ackedDelta(),
              run.unknownDelta(),
              seen.leader(),
              seen.replicas(),
              seen.settled());
      out.print(json ? summary.toJson() + System.lineSeparator() : summary.toText());
      out.flush();
      if (json && !summary.passed()) { // the text summary already says so on stdout
        err.println(
            "counter-bench: "
                + (summary.historyError != null
                    ? "the history could not be written: " + summary.historyError
                    : summary.verification.toText()));
        err.flush();
      }
      return summary.passed() ? Tools.OK : Tools.FAILED;
    } finally {
      replicas.forEach(ReplicaClient::close);
      raftClients.forEach(RaftClient::close);
    }
  }

  /**
   * The replicas to verify: the members of the configuration in force (servers may have joined or
   * left during the run), by the client addresses the configuration names; the given servers when
   * no server reports a configuration. The leader's view wins, else the highest term's.
   */
  private List<String> verifiedReplicas(List<String> servers, PrintWriter err) {
    NodeStatus best = null;
    for (String s : servers) {
      try (ReplicaClient probe = new ReplicaClient(s, timeout, replicaTls)) {
        NodeStatus st = probe.status();
        boolean leads = "LEADER".equals(st.getRole());
        boolean bestLeads = best != null && "LEADER".equals(best.getRole());
        if (best == null
            || (leads && !bestLeads)
            || (leads == bestLeads && st.getTerm() > best.getTerm())) {
          best = st;
        }
      } catch (IOException e) {
        // not answering: another server will
      }
    }
    if (best == null || best.getConf().getMembersCount() == 0) return servers;
    List<String> members = new ArrayList<>();
    for (ServerInfo m : best.getConf().getMembersList()) {
      if (m.getClientAddress().isEmpty()) {
        err.println("counter-bench: node " + m.getId() + " has no client address: not verified");
      } else {
        members.add(m.getClientAddress());
      }
    }
    for (String s : servers) {
      if (!members.contains(s))
        err.println("counter-bench: " + s + " is not a member now: not verified");
    }
    return members;
  }

  /**
   * The counter's value before the run. Retries until --verify-timeout, so that a cluster that is
   * still electing its first leader (just started) is waited for.
   */
  private long startingValue(RaftClient client, PrintWriter err) throws InterruptedException {
    long deadline = System.nanoTime() + verifyTimeout.toNanos();
    boolean told = false;
    while (true) {
      try {
        return CounterWire.value(client.querySync(CounterWire.get()));
      } catch (ClientException e) {
        if (System.nanoTime() - deadline >= 0 || e.kind() == ClientException.Kind.BAD_REQUEST) {
          throw e;
        }
        if (!told) {
          err.println("counter-bench: waiting for the cluster (" + e.getMessage() + ")");
          err.flush();
          told = true;
        }
        Thread.sleep(200); // retry pacing, not synchronisation
      }
    }
  }

  /** The async RaftClient API as the load loop's target. */
  private static BenchRun.Target target(RaftClient client) {
    return new BenchRun.Target() {
      @Override
      public CompletableFuture<byte[]> propose(byte[] command) {
        return client.propose(command);
      }

      @Override
      public CompletableFuture<byte[]> query(byte[] query) {
        return client.query(query);
      }
    };
  }

  private static void closeQuietly(HistoryWriter w) {
    if (w != null) {
      try {
        w.close();
      } catch (IOException e) {
        // reported elsewhere or irrelevant: the run did not start
      }
    }
  }
}
