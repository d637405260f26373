package io.raftjvm.counter.tools;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.core.Role;
import io.raftjvm.server.RaftServer;
import io.raftjvm.server.ServerConfig;
import io.raftjvm.server.TestClusters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thesis ch. 5 on real servers: snapshots, compaction and InstallSnapshot. A follower is stopped
 * while 200,000 increments commit and the others snapshot and compact their logs past it;
 * restarted, it can only catch up by receiving the leader's snapshot, and then every replica holds
 * the same value, which is every acknowledged increment. Servers run in this JVM on loopback with
 * Chronicle logs (sync on) in temp directories. Waits on conditions, never fixed sleeps.
 */
@Tag("integration")
class SnapshotIT {
  private static final Duration WAIT = Duration.ofMinutes(2);
  private static final int COMMANDS = 200_000;

  @TempDir Path tmp;
  private final Map<Long, RaftServer> servers = new TreeMap<>();
  private final Map<Long, ServerConfig> configs = new TreeMap<>();
  private int[] ports;

  @AfterEach
  void stop() {
    servers.values().forEach(RaftServer::close);
  }

  private ServerConfig config(long id) {
    return TestClusters.config(
        TestClusters.peers(ports)
            + "raft.cluster-id = snapshot-it\nraft.node-id = "
            + id
            + "\nraft.data-dir = "
            + TestClusters.quoted(tmp.resolve("node" + id))
            + "\nraft.state-machine = counter\nraft.tick-interval = 50ms\nraft.election-ticks = 10\n"
            + "raft.snapshot.entries = 20000\nraft.snapshot.trailing-entries = 1000\nraft.snapshot.chunk-size = 4KiB\n"
            + "raft.plugins-dir = "
            + TestClusters.quoted(tmp.resolve("no-plugins"))
            + "\n");
  }

  private RaftServer leader() {
    return servers.values().stream()
        .filter(s -> s.driver().role() == Role.LEADER)
        .findFirst()
        .orElse(null);
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    TestClusters.await(what, WAIT, condition);
  }

  private String client(long id) {
    return "127.0.0.1:" + ports[3 + (int) id - 1];
  }

  private static long snapshotsOf(Path dataDir) throws Exception {
    Path dir = dataDir.resolve("snapshots");
    if (!Files.isDirectory(dir)) return 0;
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches("\\d+-\\d+")).count();
    }
  }

  @Test
  void aFollowerBehindTheCompactedLogCatchesUpThroughASnapshot() throws Exception {
    ports = TestClusters.freePorts(6);
    for (long id = 1; id <= 3; id++) {
      configs.put(id, config(id));
      servers.put(id, RaftServer.start(configs.get(id)));
    }
    await("a leader", () -> leader() != null);
    long lagging =
        servers.keySet().stream()
            .filter(id -> id != leader().config().nodeId())
            .findFirst()
            .orElseThrow();
    servers.remove(lagging).close();

    List<String> addresses = new ArrayList<>();
    for (long id = 1; id <= 3; id++) addresses.add(client(id));
    AtomicLong acked = new AtomicLong();
    AtomicLong unknown = new AtomicLong();
    try (RaftClient c =
        RaftClient.create(
            RaftClientOptions.builder(addresses).requestTimeout(Duration.ofSeconds(30)).build())) {
      Semaphore window = new Semaphore(256);
      List<CompletableFuture<byte[]>> all = new ArrayList<>();
      for (int i = 0; i < COMMANDS; i++) {
        window.acquire();
        all.add(
            c.propose(CounterWire.add(1))
                .whenComplete(
                    (r, t) -> {
                      if (t == null) acked.incrementAndGet();
                      else unknown.incrementAndGet();
                      window.release();
                    }));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).handle((v, t) -> null).join();
    }
    assertEquals(COMMANDS, acked.get() + unknown.get());
    RaftServer l = leader();
    long leaderFirst = l.driver().status().get().firstIndex();
    assertTrue(
        leaderFirst > 1000, "the leader compacted its log (first index " + leaderFirst + ")");
    assertTrue(snapshotsOf(configs.get(l.config().nodeId()).dataDir()) >= 1);

    servers.put(lagging, RaftServer.start(configs.get(lagging)));
    RaftServer back = servers.get(lagging);
    long target = l.driver().commitIndex();
    await(
        "the restarted follower applied everything", () -> back.driver().appliedIndex() >= target);
    assertTrue(snapshotsOf(configs.get(lagging).dataDir()) >= 1, "it holds the leader's snapshot");
    assertTrue(back.driver().status().get().firstIndex() > 1, "its log starts after the snapshot");

    long expected = acked.get();
    List<Long> values = new ArrayList<>();
    for (long id = 1; id <= 3; id++) {
      try (ReplicaClient r = new ReplicaClient(client(id), Duration.ofSeconds(10))) {
        long id2 = id;
        await(
            "replica " + id + " settles",
            () -> {
              try {
                return r.value() >= expected && servers.get(id2).driver().appliedIndex() >= target;
              } catch (Exception e) {
                return false;
              }
            });
        values.add(r.value());
      }
    }
    assertEquals(1, values.stream().distinct().count(), "replicas agree: " + values);
    assertTrue(
        values.get(0) >= expected && values.get(0) <= expected + unknown.get(),
        values + " vs acked " + expected);
    // On demand, through the admin tool: every server snapshots now.
    java.io.ByteArrayOutputStream adminOut = new java.io.ByteArrayOutputStream();
    int exit =
        io.raftjvm.tools.RaftAdmin.execute(
            new java.io.PrintStream(adminOut, true),
            System.err,
            "--cluster",
            String.join(",", addresses),
            "snapshot");
    String said = adminOut.toString(UTF_8);
    assertEquals(0, exit, said);
    assertEquals(
        3, said.lines().filter(line -> line.contains(": snapshot at index ")).count(), said);

    // A full restart: each state machine comes back from its latest snapshot plus the log after it.
    long before = values.get(0);
    for (RaftServer s : servers.values()) s.close();
    servers.clear();
    for (long id = 1; id <= 3; id++) servers.put(id, RaftServer.start(configs.get(id)));
    await("a leader after the restart", () -> leader() != null);
    for (long id = 1; id <= 3; id++) {
      try (ReplicaClient r = new ReplicaClient(client(id), Duration.ofSeconds(10))) {
        await(
            "replica " + id + " restored",
            () -> {
              try {
                return r.value() == before;
              } catch (Exception e) {
                return false;
              }
            });
      }
    }
    System.out.println(
        "SnapshotIT: "
            + acked.get()
            + " increments acknowledged, "
            + unknown.get()
            + " unknown; leader log starts at "
            + leaderFirst
            + "; follower "
            + lagging
            + " caught up by snapshot"
            + " ("
            + snapshotsOf(configs.get(lagging).dataDir())
            + " snapshot kept there)");
  }
}
