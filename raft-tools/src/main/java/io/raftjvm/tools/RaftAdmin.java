package io.raftjvm.tools;

import io.raftjvm.client.ClientException;
import io.raftjvm.client.ClientException.Kind;
import io.raftjvm.client.Durations;
import io.raftjvm.client.HostPort;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.client.proto.NodeStatus;
import io.raftjvm.tools.StatusTable.Probe;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * {@code raft-admin --cluster host:port,... COMMAND}: shows a cluster's status, changes its
 * membership, moves its leadership and saves backups, through the servers' client ports; and,
 * offline on one stopped server's data directory ({@code --config FILE}), restores a backup or
 * recovers a cluster that lost a majority for good.
 *
 * <p>Exit codes: 0 done; 1 failed (one line on stderr says why; nothing changed); 2 usage error; 3
 * outcome unknown (a membership change was sent but its answer never came: it may or may not have
 * taken effect; check with status before retrying); 4 status found the cluster degraded (no leader,
 * no quorum or members unreachable).
 */
public final class RaftAdmin {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int OUTCOME_UNKNOWN = 3;
  static final int DEGRADED = 4;

  static final String USAGE_TEXT =
      """
      Usage: raft-admin.sh --cluster HOST:PORT[,HOST:PORT...] [--timeout DURATION] [--json] COMMAND
             raft-admin.sh --config FILE restore BACKUP_FILE | recover [--dry-run]
      Administers a Raft cluster through its servers' client ports; restore and recover work
      offline on one stopped server's data directory.

      Commands:
        status                                  one row per member: role, term, commit, applied
                                                and, from the leader, MATCH, LAG and STATE
        snapshot                                every server given snapshots and compacts now
        add-learner ID PEER_ADDR [CLIENT_ADDR [HTTP_ADDR]]
                                                adds server ID as a learner (replicates, no vote);
                                                HTTP_ADDR lets the dashboard find it
        promote ID                              makes learner ID a voter once it has caught up
        remove ID                               removes voter or learner ID
        transfer-leader ID                      hands leadership to voter ID; waits until it leads
        backup FILE                             saves a backup to FILE (which must not exist): the
                                                first server of --cluster that answers confirms
                                                with the leader that it holds every committed
                                                entry, snapshots, and sends the snapshot in chunks;
                                                FILE is written under a temporary name and renamed
                                                once complete and checked
        restore FILE                            with --config, offline: checks the backup FILE and
                                                writes it into the empty data directory of the
                                                server the config describes, as the first state of
                                                a new cluster whose voters are the config's
                                                raft.peers; run it on every server of the new
                                                cluster (same file, same peers), then start them
        recover                                 with --config, offline, for a cluster that lost a
                                                majority of its voters for good: makes this
                                                stopped survivor the only voter of its
                                                configuration, at a new term; its whole log is
                                                kept and counts as committed. Start it, add new
                                                servers under new ids (add-learner, promote), and
                                                never start the lost servers on their old data.
                                                --dry-run only prints the log's last index and
                                                term, commit and configuration, to pick the most
                                                up-to-date survivor (highest last term, then index)
      Membership changes are retried while the leader refuses them for now (learner not caught
      up, another change pending) until the timeout. Commands that need a leader fail at once
      (exit 1, nothing changed) when no server names one within 3 s.

      Options:
        --cluster HOST:PORT[,...]  client addresses of any of the cluster's servers
        --config FILE              restore, recover: the config (HOCON) of the server whose
                                   data directory is written, as given to raft-node.sh
        --timeout DURATION         how long to wait, retries included, e.g. 500ms, 10s, 2m
                                   (default 30s); backup: for each request (the first one
                                   includes taking the snapshot)
        --json                     status only: one JSON document (health, leader, members)
        --tls-ca FILE              connect over TLS, trusting the CA certificates in FILE (PEM)
        --tls-cert FILE            this client's certificate (PEM); membership changes, transfer
                                   snapshots and backups need one naming raft://<cluster-id>/admin
                                   when the servers require client certificates
        --tls-key FILE             the private key of --tls-cert (PEM, unencrypted PKCS#8)
        -h, --help                 prints this help
        -V, --version              prints the version

      Exit codes: 0 done (status: healthy); 1 failed (nothing changed; status: no server
      answered; backup, restore, recover: one line says why, and nothing was written); 2 usage
      error; 3 outcome unknown: the membership change may or may not have
      taken effect (check with status); 4 status: degraded (no leader, no quorum, members
      unreachable, a server failed, or a removed server still running).\
      """;

  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  /** Pause between attempts the leader refused, and between status polls of transfer-leader. */
  private static final long REFUSED_RETRY_MS = 200;

  private static final long POLL_MS = 100;

  private RaftAdmin() {}

  /** What to do. */
  enum Action {
    HELP,
    VERSION,
    STATUS,
    SNAPSHOT,
    ADD_LEARNER,
    PROMOTE,
    REMOVE,
    TRANSFER_LEADER,
    BACKUP,
    RESTORE,
    RECOVER
  }

  /**
   * A parsed command line; id, addresses and files are 0 / null when the action takes none. file is
   * the backup file of backup and restore, config the server's config file of restore.
   */
  record Command(
      Action action,
      List<String> servers,
      Duration timeout,
      long id,
      String peerAddress,
      String clientAddress,
      String httpAddress,
      boolean json,
      RaftClientOptions.Tls tls,
      java.nio.file.Path file,
      java.nio.file.Path config,
      boolean dryRun) {
    Command(
        Action action,
        List<String> servers,
        Duration timeout,
        long id,
        String peerAddress,
        String clientAddress,
        String httpAddress,
        boolean json,
        RaftClientOptions.Tls tls) {
      this(
          action,
          servers,
          timeout,
          id,
          peerAddress,
          clientAddress,
          httpAddress,
          json,
          tls,
          null,
          null,
          false);
    }

    /** "promote 4": names the operation in messages. */
    String describe() {
      return action.name().toLowerCase(Locale.ROOT).replace('_', '-') + " " + id;
    }
  }

  /** A usage error; its message is one line. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  public static void main(String[] args) throws InterruptedException {
    ToolLogging.quiet();
    System.exit(execute(System.out, System.err, args));
  }

  /**
   * Parses and runs, printing to out and err; returns the exit code (0 done, 1 failed, 2 usage, 3
   * outcome unknown). For embedding (tests, other tools): never exits the JVM. Usage errors and
   * help need no network.
   */
  public static int execute(PrintStream out, PrintStream err, String... args)
      throws InterruptedException {
    Command c;
    try {
      c = parse(args);
    } catch (UsageException e) {
      err.println("raft-admin: " + e.getMessage() + " (see raft-admin.sh --help)");
      return USAGE;
    }
    try {
      return run(c, out, err);
    } catch (io.raftjvm.client.tls.TlsFileException e) {
      err.println("raft-admin: " + e.getMessage());
      return FAILED;
    }
  }

  private static int run(Command c, PrintStream out, PrintStream err) throws InterruptedException {
    switch (c.action()) {
      case HELP:
        out.println(USAGE_TEXT);
        return OK;
      case VERSION:
        out.println("raft-admin " + io.raftjvm.client.Version.get());
        return OK;
      case STATUS:
        return status(c, out, err);
      case SNAPSHOT:
        return SnapshotCommand.run(c.servers(), c.timeout(), c.tls(), out, err);
      case BACKUP:
        return BackupCommand.run(c.servers(), c.timeout(), c.tls(), c.file(), out, err);
      case RESTORE:
        return OfflineCommands.restore(c.file(), c.config(), out, err);
      case RECOVER:
        return OfflineCommands.recover(c.config(), c.dryRun(), out, err);
      case TRANSFER_LEADER:
        return transfer(c, out, err);
      default:
        return change(c, out, err);
    }
  }

  /** Parses the arguments; options may come before or after the command. */
  static Command parse(String... args) throws UsageException {
    for (String a : args) {
      if (a.equals("-h") || a.equals("--help")) {
        return new Command(
            Action.HELP, List.of(), DEFAULT_TIMEOUT, 0, null, null, null, false, null);
      }
      if (a.equals("-V") || a.equals("--version")) {
        return new Command(
            Action.VERSION, List.of(), DEFAULT_TIMEOUT, 0, null, null, null, false, null);
      }
    }
    String cluster = null;
    String timeout = null;
    boolean json = false;
    boolean dryRun = false;
    String tlsCa = null;
    String tlsCert = null;
    String tlsKey = null;
    String config = null;
    List<String> positional = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      if (name.equals("--cluster")
          || name.equals("--timeout")
          || name.equals("--tls-ca")
          || name.equals("--tls-cert")
          || name.equals("--tls-key")
          || name.equals("--config")) {
        String value;
        if (a.contains("=")) {
          value = a.substring(a.indexOf('=') + 1);
        } else if (i + 1 < args.length) {
          value = args[++i];
        } else {
          throw new UsageException(name + " needs a value");
        }
        switch (name) {
          case "--cluster" -> cluster = once(name, cluster, value);
          case "--timeout" -> timeout = once(name, timeout, value);
          case "--tls-ca" -> tlsCa = once(name, tlsCa, value);
          case "--tls-cert" -> tlsCert = once(name, tlsCert, value);
          case "--config" -> config = once(name, config, value);
          default -> tlsKey = once(name, tlsKey, value);
        }
      } else if (a.equals("--json")) {
        json = true;
      } else if (a.equals("--dry-run")) {
        dryRun = true;
      } else if (a.startsWith("-") && a.length() > 1 && !a.matches("-\\d+")) {
        throw new UsageException("unknown option '" + a + "'");
      } else {
        positional.add(a);
      }
    }
    if (positional.isEmpty()) {
      throw new UsageException("missing command (" + COMMANDS + ")");
    }
    Action action = action(positional.get(0));
    List<String> rest = positional.subList(1, positional.size());
    String cmd = positional.get(0);
    if (dryRun && action != Action.RECOVER)
      throw new UsageException("--dry-run is for recover only");
    if (action == Action.RESTORE || action == Action.RECOVER) {
      if (cluster != null || json || tlsCa != null || tlsCert != null || tlsKey != null) {
        throw new UsageException(
            cmd
                + " works offline on one server's data directory: it takes --config FILE, not"
                + " --cluster, --json or TLS options");
      }
      if (config == null) {
        throw new UsageException(
            cmd
                + ": missing --config FILE (the config of the server whose data directory to write)");
      }
      if (action == Action.RESTORE) arity(cmd, rest, 1, 1, "FILE");
      else arity(cmd, rest, 0, 0, "");
      return new Command(
          action,
          List.of(),
          DEFAULT_TIMEOUT,
          0,
          null,
          null,
          null,
          false,
          null,
          rest.isEmpty() ? null : path(rest.get(0)),
          path(config),
          dryRun);
    }
    if (config != null) throw new UsageException("--config is for restore and recover only");
    if (cluster == null) {
      throw new UsageException("missing --cluster HOST:PORT[,HOST:PORT...]");
    }
    List<String> servers = cluster(cluster);
    Duration t = timeout == null ? DEFAULT_TIMEOUT : timeout(timeout);
    RaftClientOptions.Tls tls;
    try {
      tls = io.raftjvm.counter.tools.TlsOptions.settings(path(tlsCa), path(tlsCert), path(tlsKey));
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    switch (action) {
      case STATUS, SNAPSHOT:
        arity(cmd, rest, 0, 0, "");
        if (json && action != Action.STATUS) throw new UsageException("--json is for status only");
        return new Command(action, servers, t, 0, null, null, null, json, tls);
      case BACKUP:
        arity(cmd, rest, 1, 1, "FILE");
        if (json) throw new UsageException("--json is for status only");
        return new Command(
            action, servers, t, 0, null, null, null, false, tls, path(rest.get(0)), null, false);
      case ADD_LEARNER:
        arity(cmd, rest, 2, 4, "ID and PEER_ADDR");
        return new Command(
            action,
            servers,
            t,
            id(rest.get(0)),
            address(rest.get(1)),
            rest.size() > 2 ? address(rest.get(2)) : "",
            rest.size() > 3 ? address(rest.get(3)) : "",
            false,
            tls);
      default:
        arity(cmd, rest, 1, 1, "ID");
        return new Command(action, servers, t, id(rest.get(0)), null, null, null, false, tls);
    }
  }

  private static java.nio.file.Path path(String value) {
    return value == null ? null : java.nio.file.Path.of(value);
  }

  private static String once(String name, String previous, String value) throws UsageException {
    if (previous != null) {
      throw new UsageException(name + " given twice");
    }
    return value;
  }

  /** The commands, as usage errors list them. */
  private static final String COMMANDS =
      "status, snapshot, add-learner, promote, remove, transfer-leader, backup, restore or recover";

  private static Action action(String name) throws UsageException {
    switch (name) {
      case "status":
        return Action.STATUS;
      case "snapshot":
        return Action.SNAPSHOT;
      case "add-learner":
        return Action.ADD_LEARNER;
      case "promote":
        return Action.PROMOTE;
      case "remove":
        return Action.REMOVE;
      case "transfer-leader":
        return Action.TRANSFER_LEADER;
      case "backup":
        return Action.BACKUP;
      case "restore":
        return Action.RESTORE;
      case "recover":
        return Action.RECOVER;
      default:
        throw new UsageException("unknown command '" + name + "' (expected " + COMMANDS + ")");
    }
  }

  private static void arity(String cmd, List<String> rest, int min, int max, String needs)
      throws UsageException {
    if (rest.size() < min) {
      throw new UsageException(cmd + ": missing arguments (needs " + needs + ")");
    }
    if (rest.size() > max) {
      throw new UsageException(cmd + ": unexpected argument '" + rest.get(max) + "'");
    }
  }

  private static long id(String s) throws UsageException {
    try {
      long id = Long.parseLong(s);
      if (id > 0) {
        return id;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException("bad id '" + s + "': expected a positive integer");
  }

  private static String address(String s) throws UsageException {
    try {
      HostPort.parse(s);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    return s;
  }

  private static List<String> cluster(String value) throws UsageException {
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (String part : value.split(",", -1)) {
      if (!part.isBlank()) {
        out.add(address(part.trim()));
      }
    }
    if (out.isEmpty()) {
      throw new UsageException("--cluster: expected HOST:PORT[,HOST:PORT...], got '" + value + "'");
    }
    return List.copyOf(out);
  }

  private static Duration timeout(String value) throws UsageException {
    Duration d;
    try {
      d = Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          "bad --timeout '" + value + "': expected a duration such as 500ms, 10s, 2m or 1h");
    }
    if (d.isZero() || d.compareTo(Duration.ofDays(1)) > 0) {
      throw new UsageException("--timeout must be positive and at most 24h, got '" + value + "'");
    }
    return d;
  }

  private static int status(Command c, PrintStream out, PrintStream err)
      throws InterruptedException {
    List<Probe> probes;
    try (StatusProbes statuses = new StatusProbes(c.timeout(), c.tls())) {
      probes = statuses.round(c.servers());
    }
    ClusterHealth health = ClusterHealth.of(probes);
    if (c.json()) {
      out.println(health.json(probes));
      return health.exitCode();
    }
    StatusTable.format(probes).forEach(out::println);
    for (Probe p : probes) {
      if (p.status() == null) {
        err.println("raft-admin: " + p.address() + " did not answer: " + p.error());
      }
    }
    if (!health.problems().isEmpty()) {
      err.println("raft-admin: " + health.level() + ": " + String.join("; ", health.problems()));
    }
    return health.exitCode();
  }

  /** How long a command that needs a leader waits for one before it says there is none. */
  private static final Duration LEADER_WAIT = Duration.ofSeconds(3);

  /**
   * Null when some server answers as leader (within LEADER_WAIT: an election may be under way);
   * otherwise why there is none, naming what each server said. Commands that need a leader check
   * this first, so that they fail at once, with nothing changed, rather than at their deadline.
   */
  private static String noLeader(Command c) throws InterruptedException {
    Duration wait = c.timeout().compareTo(LEADER_WAIT) < 0 ? c.timeout() : LEADER_WAIT;
    long deadline = System.nanoTime() + wait.toNanos();
    try (StatusProbes statuses = new StatusProbes(wait, c.tls())) {
      while (true) {
        List<Probe> probes = statuses.round(c.servers());
        if (StatusTable.leader(probes).isPresent()) return null;
        if (System.nanoTime() - deadline >= 0) {
          List<String> said = new ArrayList<>();
          for (Probe p : probes) {
            said.add(
                p.status() == null
                    ? p.address() + " unreachable (" + p.error() + ")"
                    : "node "
                        + p.status().getId()
                        + " is "
                        + p.status().getRole().toLowerCase(Locale.ROOT)
                        + " and knows no leader");
          }
          return "the cluster has no leader (" + String.join("; ", said) + "); nothing was changed";
        }
        Thread.sleep(POLL_MS);
      }
    }
  }

  /** add-learner, promote or remove: retried while REFUSED until the timeout. */
  private static int change(Command c, PrintStream out, PrintStream err)
      throws InterruptedException {
    String noLeader = noLeader(c);
    if (noLeader != null) {
      err.println("raft-admin: " + c.describe() + " failed: " + noLeader);
      return FAILED;
    }
    long deadline = System.nanoTime() + c.timeout().toNanos();
    try (RaftClient client = RaftClient.create(options(c))) {
      long index =
          untilAccepted(
              c,
              deadline,
              out,
              () ->
                  switch (c.action()) {
                    case ADD_LEARNER ->
                        client.addLearner(
                            c.id(), c.peerAddress(), c.clientAddress(), c.httpAddress());
                    case PROMOTE -> client.promote(c.id());
                    default -> client.remove(c.id());
                  });
      out.println(
          switch (c.action()) {
                case ADD_LEARNER -> "node " + c.id() + " joined as a learner";
                case PROMOTE -> "node " + c.id() + " is now a voter";
                default -> "node " + c.id() + " removed";
              }
              + " (configuration entry "
              + index
              + ")");
      return OK;
    } catch (ClientException e) {
      if (e.outcomeUnknown()) {
        err.println(
            "raft-admin: "
                + c.describe()
                + " may or may not have taken effect; check with"
                + " status ("
                + e.getMessage()
                + ")");
        return OUTCOME_UNKNOWN;
      }
      err.println("raft-admin: " + c.describe() + " failed: " + e.getMessage());
      return FAILED;
    }
  }

  /** transfer-leader: asks the leader, then polls statuses until node ID leads. */
  private static int transfer(Command c, PrintStream out, PrintStream err)
      throws InterruptedException {
    String noLeader = noLeader(c);
    if (noLeader != null) {
      err.println("raft-admin: " + c.describe() + " failed: " + noLeader);
      return FAILED;
    }
    long deadline = System.nanoTime() + c.timeout().toNanos();
    try (RaftClient client = RaftClient.create(options(c));
        StatusProbes statuses = new StatusProbes(c.timeout(), c.tls())) {
      try {
        untilAccepted(c, deadline, out, () -> client.transferLeadership(c.id()));
      } catch (ClientException e) {
        // The target may lead already (a retried transfer, or one sent to it): success too.
        if (leads(c.id(), statuses.round(c.servers())) == null) {
          err.println("raft-admin: " + c.describe() + " failed: " + e.getMessage());
          return FAILED;
        }
      }
      while (true) {
        NodeStatus leader = leads(c.id(), statuses.round(c.servers()));
        if (leader != null) {
          out.println("node " + c.id() + " leads term " + leader.getTerm());
          return OK;
        }
        if (System.nanoTime() - deadline >= 0) {
          err.println(
              "raft-admin: "
                  + c.describe()
                  + " failed: the transfer started but node "
                  + c.id()
                  + " did not become leader within "
                  + Durations.format(c.timeout()));
          return FAILED;
        }
        Thread.sleep(POLL_MS);
      }
    }
  }

  /** Node id's own status if it answered as LEADER (at the highest term seen), else null. */
  private static NodeStatus leads(long id, List<Probe> probes) {
    Optional<NodeStatus> leader = StatusTable.leader(probes);
    return leader.filter(s -> s.getId() == id).orElse(null);
  }

  /** Sends until the answer is not REFUSED or the deadline passes; prints "waiting:" once. */
  private static <T> T untilAccepted(
      Command c, long deadline, PrintStream out, Supplier<CompletableFuture<T>> send)
      throws InterruptedException {
    boolean waiting = false;
    while (true) {
      try {
        return await(send.get(), deadline, c.timeout());
      } catch (ClientException e) {
        if (e.kind() != Kind.REFUSED) {
          throw e;
        }
        if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REFUSED_RETRY_MS) - deadline >= 0) {
          throw new ClientException(
              Kind.REFUSED,
              "still refused after " + Durations.format(c.timeout()) + ": " + e.getMessage(),
              e);
        }
        if (!waiting) {
          out.println("waiting: " + e.getMessage());
          waiting = true;
        }
        Thread.sleep(REFUSED_RETRY_MS);
      }
    }
  }

  /** The future's value; its ClientException unwrapped; outcome unknown if the deadline passes. */
  private static <T> T await(CompletableFuture<T> f, long deadline, Duration timeout)
      throws InterruptedException {
    // The client fails the request at its own deadline; the margin only guards a stalled loop.
    long waitNanos = Math.max(0, deadline - System.nanoTime()) + TimeUnit.SECONDS.toNanos(2);
    try {
      return f.get(waitNanos, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ClientException ce) {
        throw ce;
      }
      throw new ClientException(
          Kind.SERVER_ERROR_OUTCOME_UNKNOWN, String.valueOf(e.getCause()), e.getCause());
    } catch (TimeoutException e) {
      f.cancel(false);
      throw new ClientException(
          Kind.TIMEOUT_OUTCOME_UNKNOWN,
          "no answer from the cluster within " + Durations.format(timeout));
    }
  }

  private static RaftClientOptions options(Command c) {
    return RaftClientOptions.builder(c.servers()).requestTimeout(c.timeout()).tls(c.tls()).build();
  }
}
