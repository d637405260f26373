package io.raftjvm.counter.tools;

import static io.raftjvm.counter.tools.BenchRuns.bench;
import static io.raftjvm.counter.tools.BenchRuns.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.core.Role;
import io.raftjvm.proto.ConfState;
import io.raftjvm.server.RaftServer;
import io.raftjvm.server.ServerConfig;
import io.raftjvm.server.TestClusters;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thesis ch. 4 on real servers: while the counter benchmark runs against the cluster, it grows from
 * 3 to 5 servers (two join as learners and are promoted), loses two (the leader among them), has a
 * node replaced by a new one, and hands leadership over; all through raft-admin. Afterwards the
 * benchmark's verification must pass: every member of the final configuration holds the same value,
 * which contains every acknowledged increment. Servers run in this JVM on loopback with Chronicle
 * logs (sync on) in temp directories. Waits on conditions, never fixed sleeps.
 */
@Tag("integration")
class MembershipIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int NODES = 6;

  @TempDir Path tmp;
  private final Map<Long, RaftServer> servers = new TreeMap<>();
  private int[] ports;

  @AfterEach
  void stop() {
    servers.values().forEach(RaftServer::close);
  }

  private String peer(long id) {
    return "127.0.0.1:" + ports[(int) id - 1];
  }

  private String client(long id) {
    return "127.0.0.1:" + ports[NODES + (int) id - 1];
  }

  private String member(long id) {
    return "{id = "
        + id
        + ", peer-address = \""
        + peer(id)
        + "\", client-address = \""
        + client(id)
        + "\"}";
  }

  /** Nodes 1-3 found the cluster; 4-6 join it, knowing the founders and themselves. */
  private ServerConfig config(long id) {
    StringBuilder peers = new StringBuilder("raft.peers = [");
    for (long p = 1; p <= 3; p++) peers.append(member(p)).append(',');
    if (id > 3) peers.append(member(id));
    peers.append("]\n");
    return TestClusters.config(
        peers
            + "raft.cluster-id = membership-it\nraft.node-id = "
            + id
            + "\nraft.data-dir = "
            + TestClusters.quoted(tmp.resolve("node" + id))
            + "\nraft.join = "
            + (id > 3)
            + "\nraft.state-machine = counter\nraft.tick-interval = 50ms\n"
            + "raft.election-ticks = 10\nraft.plugins-dir = "
            + TestClusters.quoted(tmp.resolve("no-plugins"))
            + "\n");
  }

  private void start(long id) throws Exception {
    servers.put(id, RaftServer.start(config(id)));
  }

  private void stopServer(long id) {
    servers.remove(id).close();
  }

  private RaftServer leader() {
    return servers.values().stream()
        .filter(s -> s.driver().role() == Role.LEADER)
        .findFirst()
        .orElse(null);
  }

  private long leaderId() throws InterruptedException {
    await("a leader", () -> leader() != null);
    return leader().config().nodeId();
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    TestClusters.await(what, WAIT, condition);
  }

  private String cluster() {
    List<String> all = new ArrayList<>();
    for (long id = 1; id <= NODES; id++) all.add(client(id));
    return String.join(",", all);
  }

  /** Runs raft-admin in this JVM against the servers that are up; asserts it succeeds. */
  private String admin(String... command) throws InterruptedException {
    List<String> up = new ArrayList<>();
    servers.keySet().forEach(id -> up.add(client(id)));
    List<String> args =
        new ArrayList<>(List.of("--cluster", String.join(",", up), "--timeout", "60s"));
    args.addAll(List.of(command));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        RaftAdmin.execute(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            args.toArray(String[]::new));
    String said = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    System.out.print("raft-admin " + String.join(" ", command) + ": " + said);
    assertEquals(0, exit, "raft-admin " + String.join(" ", command) + ": " + said);
    return said;
  }

  private ConfState conf() throws InterruptedException {
    await("a leader", () -> leader() != null);
    return leader().driver().confState();
  }

  private final CompletableFuture<BenchRuns.Run> benchmark = new CompletableFuture<>();

  /**
   * Waits until the leader has applied count more entries than now: the benchmark is making
   * progress (unless it has already finished, on a slow machine).
   */
  private void awaitProgress(int count) throws InterruptedException {
    await("a leader", () -> leader() != null);
    if (benchmark.isDone()) return;
    long from = leader().driver().appliedIndex();
    await(
        count + " more entries applied",
        () -> {
          RaftServer l = leader();
          return benchmark.isDone() || (l != null && l.driver().appliedIndex() >= from + count);
        });
  }

  @Test
  void growShrinkReplaceAndTransferUnderLoad() throws Exception {
    ports = TestClusters.freePorts(2 * NODES);
    for (long id = 1; id <= 3; id++) start(id);
    leaderId();

    Thread runner =
        new Thread(
            () ->
                benchmark.complete(
                    bench(
                        "--cluster",
                        cluster(),
                        "--concurrency",
                        "16",
                        "--warmup",
                        "0s",
                        "--duration",
                        "25s",
                        "--timeout",
                        "10s",
                        "--verify-timeout",
                        "60s",
                        "--json")),
            "bench-runner");
    runner.start();
    awaitProgress(500);

    // Grow to 5: each new server starts empty, joins as a learner, is promoted once caught up.
    for (long id = 4; id <= 5; id++) {
      start(id);
      assertTrue(
          admin("add-learner", String.valueOf(id), peer(id), client(id)).contains("learner"));
      admin("promote", String.valueOf(id));
    }
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), conf().getVotersList());
    awaitProgress(500);

    // Remove two: the leader, then a follower among the founders.
    long oldLeader = leaderId();
    admin("remove", String.valueOf(oldLeader));
    await("a new leader", () -> leader() != null && leader().config().nodeId() != oldLeader);
    stopServer(oldLeader);
    long follower =
        servers.keySet().stream()
            .filter(id -> id <= 3 && id != leader().config().nodeId())
            .findFirst()
            .orElseThrow();
    admin("remove", String.valueOf(follower));
    stopServer(follower);
    assertEquals(3, conf().getVotersCount());
    awaitProgress(500);

    // Replace a node: another voter leaves, node 6 takes its place.
    long replaced =
        servers.keySet().stream()
            .filter(id -> id != leader().config().nodeId())
            .findFirst()
            .orElseThrow();
    admin("remove", String.valueOf(replaced));
    stopServer(replaced);
    // The leader that adds node 6 is one node 6's config file does not name (it names 1-3 only).
    if (leaderId() <= 3) {
      long joiner = servers.containsKey(4L) ? 4 : 5;
      admin("transfer-leader", String.valueOf(joiner));
      await(
          "node " + joiner + " leads",
          () -> leader() != null && leader().config().nodeId() == joiner);
    }
    start(6);
    admin("add-learner", "6", peer(6), client(6));
    admin("promote", "6");
    assertTrue(conf().getVotersList().contains(6L));
    assertEquals(3, conf().getVotersCount());
    awaitProgress(500);

    // Hand leadership to node 6.
    if (leaderId() != 6) admin("transfer-leader", "6");
    await("node 6 leads", () -> leader() != null && leader().config().nodeId() == 6);
    awaitProgress(500);
    String status = admin("status");
    assertTrue(status.contains("leader: node 6"), status);

    BenchRuns.Run run = benchmark.get(180, TimeUnit.SECONDS);
    String summary = run.out().strip();
    assertEquals(0, run.exit(), run.out() + run.err());
    assertTrue(summary.endsWith("\"passed\":true}"), summary);
    for (long id : servers.keySet()) {
      assertTrue(
          run.err().contains(client(id)) || summary.contains(client(id)),
          "member " + id + " was verified");
    }
    System.out.println(
        "MembershipIT: "
            + number(summary, "addsOk")
            + " adds acknowledged, "
            + number(summary, "addsUnknown")
            + " of unknown outcome, final voters "
            + conf().getVotersList()
            + ", commit index "
            + leader().driver().commitIndex());
  }
}
