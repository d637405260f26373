package io.raftjvm.counter.tools;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.ClientException;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.core.Role;
import io.raftjvm.server.RaftServer;
import io.raftjvm.server.ServerConfig;
import io.raftjvm.server.TestClusters;
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
 * Thesis §6.3 on real servers: what clients are told about commands in flight when the cluster goes
 * down. Session proposes reach the leader (appended, not yet committed: its followers are down),
 * then the leader stops too, and no server runs for longer than the client's deadline, so every
 * retry meets a refused connection. Every propose must end acknowledged or outcome-unknown, never
 * "certainly failed": once restarted, the cluster may well commit them. The counter then equals the
 * start plus the acknowledged adds plus some of the unknown ones.
 */
@Tag("integration")
class LeaderLossOutcomesIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int IN_FLIGHT = 32;

  @TempDir Path tmp;
  private final Map<Long, RaftServer> servers = new TreeMap<>();
  private int[] ports;

  @AfterEach
  void stop() {
    servers.values().forEach(RaftServer::close);
  }

  private RaftServer start(long id) throws Exception {
    ServerConfig c =
        TestClusters.config(
            TestClusters.peers(ports)
                + "raft.cluster-id = loss-it\nraft.node-id = "
                + id
                + "\nraft.data-dir = "
                + TestClusters.quoted(tmp.resolve("node" + id))
                + "\nraft.state-machine = counter\nraft.tick-interval = 50ms\nraft.election-ticks = 40\n"
                + "raft.plugins-dir = "
                + TestClusters.quoted(tmp.resolve("no-plugins"))
                + "\n");
    RaftServer s = RaftServer.start(c);
    servers.put(id, s);
    return s;
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

  @Test
  void proposesInFlightWhenEveryServerStopsEndAcknowledgedOrUnknown() throws Exception {
    ports = TestClusters.freePorts(6);
    for (long id = 1; id <= 3; id++) start(id);
    await("a leader", () -> leader() != null);
    List<String> addresses = new ArrayList<>();
    for (int i = 3; i < 6; i++) addresses.add("127.0.0.1:" + ports[i]);
    RaftClientOptions options =
        RaftClientOptions.builder(addresses).requestTimeout(Duration.ofSeconds(3)).build();

    int ok = 0;
    int unknown = 0;
    long start;
    try (RaftClient client = RaftClient.create(options)) {
      client.proposeSync(CounterWire.add(1)); // opens the session; the leader is known from here on
      ok++;
      start = CounterWire.value(client.querySync(CounterWire.get())) - 1;
      RaftServer leader = leader();
      long leaderId = leader.config().nodeId();
      for (long id : new ArrayList<>(servers.keySet())) {
        if (id != leaderId) servers.remove(id).close();
      }
      long base = leader.driver().status().get(10, TimeUnit.SECONDS).lastIndex();
      List<CompletableFuture<byte[]>> adds = new ArrayList<>();
      for (int i = 0; i < IN_FLIGHT; i++) adds.add(client.propose(CounterWire.add(1)));
      await(
          "every add appended on the leader",
          () -> leader.driver().status().join().lastIndex() >= base + IN_FLIGHT);
      servers.remove(leaderId).close();

      List<String> certainFailures = new ArrayList<>();
      for (CompletableFuture<byte[]> f : adds) {
        try {
          f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
          ok++;
        } catch (java.util.concurrent.ExecutionException e) {
          ClientException ce = (ClientException) e.getCause();
          if (ce.outcomeUnknown()) unknown++;
          else certainFailures.add(ce.toString());
        }
      }
      assertTrue(
          certainFailures.isEmpty(),
          certainFailures.size()
              + " adds that reached the leader were reported as"
              + " certainly failed, the first: "
              + (certainFailures.isEmpty() ? "" : certainFailures.get(0)));
    }

    for (long id = 1; id <= 3; id++) start(id);
    await("a leader after the restart", () -> leader() != null);
    try (RaftClient client =
        RaftClient.create(
            RaftClientOptions.builder(addresses).requestTimeout(Duration.ofSeconds(30)).build())) {
      long value = CounterWire.value(client.querySync(CounterWire.get()));
      assertTrue(
          value >= start + ok && value <= start + ok + unknown,
          "counter "
              + value
              + ", expected "
              + (start + ok)
              + ".."
              + (start + ok + unknown)
              + " ("
              + ok
              + " acknowledged, "
              + unknown
              + " unknown)");
      System.out.println(
          "LeaderLossOutcomesIT: "
              + ok
              + " acknowledged, "
              + unknown
              + " unknown, of which "
              + (value - start - ok)
              + " applied after the restart");
    }
  }
}
