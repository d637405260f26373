package io.raftjvm.tools;

import io.raftjvm.client.RaftClientOptions;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

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
        return ClusterCommands.status(c, out, err);
      case SNAPSHOT:
        return SnapshotCommand.run(c.servers(), c.timeout(), c.tls(), out, err);
      case BACKUP:
        return BackupCommand.run(c.servers(), c.timeout(), c.tls(), c.file(), out, err);
      case RESTORE:
        return OfflineCommands.restore(c.file(), c.config(), out, err);
      case RECOVER:
        return OfflineCommands.recover(c.config(), c.dryRun(), out, err);
      case TRANSFER_LEADER:
        return ClusterCommands.transfer(c, out, err);
      default:
        return ClusterCommands.change(c, out, err);
    }
  }

  /** Parses the arguments; options may come before or after the command. */
  static Command parse(String... args) throws UsageException {
    return RaftAdminArgs.parse(args);
  }
}
