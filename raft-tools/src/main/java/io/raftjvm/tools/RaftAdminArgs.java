package io.raftjvm.tools;

import static io.raftjvm.tools.RaftAdmin.DEFAULT_TIMEOUT;

import io.raftjvm.client.Durations;
import io.raftjvm.client.HostPort;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.tools.RaftAdmin.Action;
import io.raftjvm.tools.RaftAdmin.Command;
import io.raftjvm.tools.RaftAdmin.UsageException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** raft-admin's command line: the command, its arguments and the options, each checked. */
final class RaftAdminArgs {
  private RaftAdminArgs() {}

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
}
