package io.raftjvm.counter.tools;

import static io.raftjvm.counter.tools.BenchRuns.bench;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.tls.RaftIdentity;
import io.raftjvm.core.Role;
import io.raftjvm.server.RaftServer;
import io.raftjvm.server.ServerConfig;
import io.raftjvm.server.TestClusters;
import io.raftjvm.server.tls.TestPki;
import io.raftjvm.tools.RaftAdmin;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The counter's tools against a cluster over mutual TLS with client certificates required: the CLI
 * and the benchmark (its per-replica verification included) with --tls-ca/--tls-cert/--tls-key,
 * raft-admin with the admin certificate; without TLS options the tools are refused.
 */
@Tag("integration")
class CounterToolsTlsIT {
  private static final String CLUSTER = "counter-tls";

  @TempDir Path tmp;
  private final Map<Long, RaftServer> servers = new TreeMap<>();
  private String cluster;
  private List<String> clientTls;
  private List<String> adminTls;

  @BeforeEach
  void startCluster() throws Exception {
    TestPki ca = TestPki.create("counter-tls-ca");
    Path pki = tmp.resolve("pki");
    Path caFile = ca.writeCa(pki.resolve("ca.crt"));
    TestPki.Issued client = ca.issue(pki, "client", "raft://" + CLUSTER + "/client/bench");
    TestPki.Issued admin = ca.issue(pki, "admin", RaftIdentity.adminUri(CLUSTER));
    clientTls =
        List.of(
            "--tls-ca", caFile.toString(),
            "--tls-cert", client.cert().toString(),
            "--tls-key", client.key().toString());
    adminTls =
        List.of(
            "--tls-ca", caFile.toString(),
            "--tls-cert", admin.cert().toString(),
            "--tls-key", admin.key().toString());
    int[] ports = TestClusters.freePorts(6);
    String peers = TestClusters.peers(ports);
    cluster = TestClusters.clientAddresses(ports);
    for (long id = 1; id <= 3; id++) {
      TestPki.Issued n = ca.issue(pki, "node" + id, RaftIdentity.nodeUri(CLUSTER, id));
      ServerConfig config =
          TestClusters.config(
              TestClusters.node(peers, CLUSTER, id, tmp, "counter")
                  + TestPki.serverTls(n, caFile, "client-auth = require"));
      servers.put(id, RaftServer.start(config));
    }
    TestClusters.await(
        "a leader",
        Duration.ofSeconds(60),
        () -> servers.values().stream().anyMatch(s -> s.driver().role() == Role.LEADER));
  }

  @AfterEach
  void stopCluster() {
    servers.values().forEach(RaftServer::close);
  }

  private static String[] args(List<String> tls, String... rest) {
    List<String> all = new ArrayList<>(tls);
    all.addAll(List.of(rest));
    return all.toArray(new String[0]);
  }

  @Test
  void theCliTheBenchmarkAndRaftAdminWorkOverMutualTls() throws Exception {
    BenchRuns.Run add = BenchRuns.cli(args(clientTls, "--cluster", cluster, "add", "7"));
    assertEquals(0, add.exit(), add.err());
    assertEquals("7", add.out().strip());

    BenchRuns.Run plain = BenchRuns.cli("--cluster", cluster, "--timeout", "2s", "get");
    assertEquals(1, plain.exit(), "a client without TLS is refused: " + plain.out());

    BenchRuns.Run run =
        bench(
            args(
                clientTls,
                "--cluster",
                cluster,
                "--concurrency",
                "16",
                "--warmup",
                "500ms",
                "--duration",
                "2s"));
    assertEquals(0, run.exit(), run.out() + run.err());
    assertTrue(run.out().contains("verification: PASSED: every replica (3) = "), run.out());

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        RaftAdmin.execute(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            args(adminTls, "--cluster", cluster, "status"));
    assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("LEADER"));

    // A backup needs the admin role: refused with the client's certificate, taken with the admin's.
    Path file = tmp.resolve("tls.rbk");
    err.reset();
    int refused =
        RaftAdmin.execute(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            args(clientTls, "--cluster", cluster, "backup", file.toString()));
    assertEquals(1, refused);
    assertTrue(
        err.toString(StandardCharsets.UTF_8)
            .contains("backup needs a client certificate naming raft://" + CLUSTER + "/admin"),
        err.toString(StandardCharsets.UTF_8));
    assertFalse(java.nio.file.Files.exists(file));
    err.reset();
    int taken =
        RaftAdmin.execute(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            args(adminTls, "--cluster", cluster, "backup", file.toString()));
    assertEquals(0, taken, err.toString(StandardCharsets.UTF_8));
    assertTrue(java.nio.file.Files.exists(file));
  }
}
