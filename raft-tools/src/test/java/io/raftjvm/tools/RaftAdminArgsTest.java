package io.raftjvm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.Version;
import io.raftjvm.tools.RaftAdmin.Action;
import io.raftjvm.tools.RaftAdmin.Command;
import io.raftjvm.tools.RaftAdmin.UsageException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** raft-admin's command line: what parses, and the one-line usage errors; no network. */
class RaftAdminArgsTest {
  private static final String C = "--cluster";
  private static final String ONE = "127.0.0.1:7201";

  @Test
  void statusWithDefaults() throws UsageException {
    Command c = RaftAdmin.parse(C, "127.0.0.1:7201,127.0.0.1:7202, 127.0.0.1:7201", "status");
    assertEquals(Action.STATUS, c.action());
    assertEquals(List.of("127.0.0.1:7201", "127.0.0.1:7202"), c.servers());
    assertEquals(Duration.ofSeconds(30), c.timeout());
  }

  @Test
  void addLearnerWithAndWithoutClientAddress() throws UsageException {
    Command c = RaftAdmin.parse(C, ONE, "add-learner", "4", "10.0.0.4:7104", "10.0.0.4:7204");
    assertEquals(Action.ADD_LEARNER, c.action());
    assertEquals(4, c.id());
    assertEquals("10.0.0.4:7104", c.peerAddress());
    assertEquals("10.0.0.4:7204", c.clientAddress());
    assertEquals("add-learner 4", c.describe());

    assertEquals("", c.httpAddress());

    Command noClient = RaftAdmin.parse(C, ONE, "add-learner", "4", "[::1]:7104");
    assertEquals("[::1]:7104", noClient.peerAddress());
    assertEquals("", noClient.clientAddress());

    Command http = RaftAdmin.parse(C, ONE, "add-learner", "4", "h:7104", "h:7204", "h:7304");
    assertEquals("h:7304", http.httpAddress());
  }

  @Test
  void optionsMayFollowTheCommandAndUseEquals() throws UsageException {
    Command c = RaftAdmin.parse("promote", "4", "--timeout=500ms", "--cluster=" + ONE);
    assertEquals(Action.PROMOTE, c.action());
    assertEquals(4, c.id());
    assertEquals(Duration.ofMillis(500), c.timeout());
    assertEquals(List.of(ONE), c.servers());
  }

  @ParameterizedTest
  @CsvSource({"remove,REMOVE", "transfer-leader,TRANSFER_LEADER", "promote,PROMOTE"})
  void oneIdCommands(String name, Action action) throws UsageException {
    Command c = RaftAdmin.parse(C, ONE, "--timeout", "2m", name, "3");
    assertEquals(action, c.action());
    assertEquals(3, c.id());
    assertEquals(Duration.ofMinutes(2), c.timeout());
  }

  @Test
  void backupRestoreAndRecoverTakeTheirFiles() throws UsageException {
    Command b = RaftAdmin.parse(C, ONE, "backup", "/backups/a.rbk", "--timeout", "5m");
    assertEquals(Action.BACKUP, b.action());
    assertEquals(java.nio.file.Path.of("/backups/a.rbk"), b.file());
    assertEquals(Duration.ofMinutes(5), b.timeout());
    Command r = RaftAdmin.parse("restore", "/backups/a.rbk", "--config", "conf/node1.conf");
    assertEquals(Action.RESTORE, r.action());
    assertEquals(java.nio.file.Path.of("/backups/a.rbk"), r.file());
    assertEquals(java.nio.file.Path.of("conf/node1.conf"), r.config());
    Command v = RaftAdmin.parse("--config=conf/node1.conf", "recover");
    assertEquals(Action.RECOVER, v.action());
    assertEquals(java.nio.file.Path.of("conf/node1.conf"), v.config());
    assertFalse(v.dryRun());
    assertTrue(RaftAdmin.parse("--config", "n.conf", "recover", "--dry-run").dryRun());
  }

  @Test
  void helpWinsOverEverythingElse() throws UsageException {
    assertEquals(Action.HELP, RaftAdmin.parse("-h").action());
    assertEquals(Action.HELP, RaftAdmin.parse("bogus", "--help", "--timeout", "x").action());
  }

  @Test
  void versionPrintsTheBuildsVersion() throws Exception {
    assertEquals(Action.VERSION, RaftAdmin.parse("--version").action());
    assertEquals(Action.VERSION, RaftAdmin.parse("-V").action());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code =
        RaftAdmin.execute(
            new PrintStream(out, true, StandardCharsets.UTF_8), System.err, "--version");
    assertEquals(0, code);
    assertEquals("raft-admin " + Version.get(), out.toString(StandardCharsets.UTF_8).strip());
    assertTrue(Version.get().matches("\\d+\\.\\d+\\.\\d+.*"), Version.get());
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      ''                                         | missing command (status, snapshot, add-learner, promote, remove, transfer-leader, backup, restore or recover)
      --cluster 127.0.0.1:7201                   | missing command (status, snapshot, add-learner, promote, remove, transfer-leader, backup, restore or recover)
      status                                     | missing --cluster HOST:PORT[,HOST:PORT...]
      --cluster 127.0.0.1:7201 frobnicate        | unknown command 'frobnicate' (expected status, snapshot, add-learner, promote, remove, transfer-leader, backup, restore or recover)
      --cluster 127.0.0.1:7201 --verbose status  | unknown option '--verbose'
      status --cluster                           | --cluster needs a value
      --cluster a:1 --cluster b:2 status         | --cluster given twice
      --cluster , status                         | --cluster: expected HOST:PORT[,HOST:PORT...], got ','
      --cluster localhost status                 | expected host:port, but 'localhost' has no port
      --cluster h:0 status                       | expected host:port, but 'h:0' has a port outside 1-65535
      --cluster h:65536 status                   | expected host:port, but 'h:65536' has a port outside 1-65535
      --cluster :7201 status                     | expected host:port, but ':7201' has no host
      --cluster h:-1 status                      | expected host:port, but 'h:-1' has a bad port
      --cluster h:1 --timeout 5x status          | bad --timeout '5x': expected a duration such as 500ms, 10s, 2m or 1h
      --cluster h:1 --timeout 10 status          | bad --timeout '10': expected a duration such as 500ms, 10s, 2m or 1h
      --cluster h:1 --timeout 0s status          | --timeout must be positive and at most 24h, got '0s'
      --cluster h:1 --json snapshot              | --json is for status only
      --cluster h:1 --timeout 25h status         | --timeout must be positive and at most 24h, got '25h'
      --cluster h:1 status 4                     | status: unexpected argument '4'
      --cluster h:1 promote                      | promote: missing arguments (needs ID)
      --cluster h:1 promote 4 5                  | promote: unexpected argument '5'
      --cluster h:1 promote four                 | bad id 'four': expected a positive integer
      --cluster h:1 remove 0                     | bad id '0': expected a positive integer
      --cluster h:1 transfer-leader -2           | bad id '-2': expected a positive integer
      --cluster h:1 transfer-leader 99999999999999999999 | bad id '99999999999999999999': expected a positive integer
      --cluster h:1 add-learner 4                | add-learner: missing arguments (needs ID and PEER_ADDR)
      --cluster h:1 add-learner 4 h:2 h:3 h:4 h:5 | add-learner: unexpected argument 'h:5'
      --cluster h:1 add-learner 4 h:2 h:3 h4     | expected host:port, but 'h4' has no port
      --cluster h:1 add-learner 4 h2             | expected host:port, but 'h2' has no port
      --cluster h:1 add-learner 4 h:2 h:x        | expected host:port, but 'h:x' has a bad port
      --cluster h:1 backup                       | backup: missing arguments (needs FILE)
      --cluster h:1 backup a b                   | backup: unexpected argument 'b'
      --cluster h:1 --json backup a              | --json is for status only
      backup a                                   | missing --cluster HOST:PORT[,HOST:PORT...]
      --cluster h:1 --config n.conf status       | --config is for restore and recover only
      restore a.rbk                              | restore: missing --config FILE (the config of the server whose data directory to write)
      --config n.conf restore                    | restore: missing arguments (needs FILE)
      --config n.conf restore a b                | restore: unexpected argument 'b'
      --config n.conf --cluster h:1 restore a    | restore works offline on one server's data directory: it takes --config FILE, not --cluster, --json or TLS options
      --config n.conf --tls-ca ca.crt restore a  | restore works offline on one server's data directory: it takes --config FILE, not --cluster, --json or TLS options
      recover                                    | recover: missing --config FILE (the config of the server whose data directory to write)
      --config n.conf recover 1                  | recover: unexpected argument '1'
      --config n.conf --cluster h:1 recover      | recover works offline on one server's data directory: it takes --config FILE, not --cluster, --json or TLS options
      --cluster h:1 --dry-run status             | --dry-run is for recover only
      --config n.conf --dry-run restore a        | --dry-run is for recover only
      """)
  void usageErrorsAreOneLine(String args, String message) {
    String[] argv = args.isEmpty() ? new String[0] : args.trim().split("\\s+");
    UsageException e = assertThrows(UsageException.class, () -> RaftAdmin.parse(argv));
    assertEquals(message, e.getMessage());
  }

  @Test
  void executeReportsUsageErrorsWithExitCode2() throws InterruptedException {
    AdminRun r = AdminRun.of("--cluster", ONE, "promote", "x");
    assertEquals(RaftAdmin.USAGE, r.code());
    assertEquals("", r.out());
    assertEquals(
        "raft-admin: bad id 'x': expected a positive integer (see raft-admin.sh --help)\n",
        r.err());
  }

  @Test
  void executePrintsHelpToStdout() throws InterruptedException {
    AdminRun r = AdminRun.of("--help");
    assertEquals(RaftAdmin.OK, r.code());
    assertEquals(RaftAdmin.USAGE_TEXT + "\n", r.out());
    assertEquals("", r.err());
    assertTrue(r.out().startsWith("Usage: raft-admin.sh --cluster HOST:PORT[,HOST:PORT...]"));
  }
}
