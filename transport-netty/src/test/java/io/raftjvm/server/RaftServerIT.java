package io.raftjvm.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.ClientException;
import io.raftjvm.client.HostPort;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.core.Role;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real 3-node cluster in this JVM: Chronicle logs in temp directories, Netty on loopback, the
 * client library. Waits on conditions with generous timeouts, never fixed sleeps.
 */
@Tag("integration")
@DisplayName("RaftServer: a 3-node cluster on loopback")
class RaftServerIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  @TempDir Path tmp;
  private final Map<Long, RaftServer> servers = new TreeMap<>();
  private final Map<Long, ServerConfig> configs = new TreeMap<>();

  /** Why each failed proposal failed, for the assertion messages. */
  private final Map<String, String> failures = new ConcurrentHashMap<>();

  private void startCluster() throws Exception {
    startCluster("");
  }

  private void startCluster(String extra) throws Exception {
    // Nodes of other tests in this JVM (a joiner's node 4) must not count among these replicas.
    ListStateMachineProvider.INSTANCES.clear();
    configure(extra);
    for (long id : configs.keySet()) servers.put(id, RaftServer.start(configs.get(id)));
  }

  private void configure(String extra) throws Exception {
    String peers = TestClusters.peers(TestClusters.freePorts(6));
    for (long id = 1; id <= 3; id++) {
      String hocon =
          peers
              + "raft.cluster-id = it\nraft.node-id = "
              + id
              + "\nraft.data-dir = "
              + TestClusters.quoted(tmp.resolve("node" + id))
              + "\nraft.state-machine = it-list\n"
              + "raft.tick-interval = 50ms\nraft.election-ticks = 10\nraft.plugins-dir = "
              + TestClusters.quoted(tmp.resolve("none"))
              + "\n"
              + extra;
      configs.put(id, TestClusters.config(hocon));
    }
  }

  @AfterEach
  void stop() {
    for (RaftServer s : servers.values()) s.close();
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    TestClusters.await(what, WAIT, condition);
  }

  private RaftServer leader() {
    return servers.values().stream()
        .filter(s -> s.driver().role() == Role.LEADER)
        .findFirst()
        .orElse(null);
  }

  private String clientAddresses() {
    StringBuilder sb = new StringBuilder();
    for (ServerConfig c : configs.values()) {
      if (sb.length() > 0) sb.append(',');
      sb.append(HostPort.format(c.self().clientAddress()));
    }
    return sb.toString();
  }

  /**
   * Proposes count commands named prefix-i with at most window in flight; returns the acknowledged
   * ones.
   */
  private Set<String> proposeMany(
      RaftClient client, String prefix, int count, int window, Set<String> unknown)
      throws InterruptedException {
    Set<String> acked = ConcurrentHashMap.newKeySet();
    Semaphore inFlight = new Semaphore(window);
    List<CompletableFuture<byte[]>> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String cmd = prefix + "-" + i;
      inFlight.acquire();
      all.add(
          client
              .propose(cmd.getBytes(StandardCharsets.UTF_8))
              .whenComplete(
                  (r, t) -> {
                    if (t == null) acked.add(cmd);
                    else {
                      unknown.add(cmd);
                      failures.put(cmd, String.valueOf(t));
                    }
                    inFlight.release();
                  }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).handle((v, t) -> null).join();
    return acked;
  }

  @Test
  void commitsFromConcurrentClientsSurvivesLeaderLossAndCatchesUpRestartedNodes() throws Exception {
    startCluster();
    await("a leader", () -> leader() != null);
    RaftClientOptions options =
        RaftClientOptions.builder(List.of(clientAddresses().split(",")))
            .requestTimeout(Duration.ofSeconds(20))
            .build();
    Set<String> unknown = ConcurrentHashMap.newKeySet();
    Set<String> acked = ConcurrentHashMap.newKeySet();
    try (RaftClient a = RaftClient.create(options);
        RaftClient b = RaftClient.create(options)) {
      // 10,000 proposals from two clients and four workers.
      List<Thread> workers = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        RaftClient client = w % 2 == 0 ? a : b;
        String prefix = "w" + w;
        Thread t =
            new Thread(
                () -> {
                  try {
                    acked.addAll(proposeMany(client, prefix, 2_500, 64, unknown));
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
        workers.add(t);
        t.start();
      }
      for (Thread t : workers) t.join();
      assertEquals(
          Set.of(), unknown, () -> "no failures while the cluster is healthy: " + failures);
      assertEquals(10_000, acked.size());
      await(
          "every replica applied 10,000 commands",
          () ->
              ListStateMachineProvider.INSTANCES.values().stream()
                  .allMatch(sm -> sm.applied.size() >= 10_000));
      List<String> reference = ListStateMachineProvider.INSTANCES.get(1L).applied;
      for (var sm : ListStateMachineProvider.INSTANCES.values())
        assertEquals(reference, sm.applied);
      assertEquals(acked, new HashSet<>(reference));

      // The leader stops; a new one takes over and the client carries on.
      RaftServer old = leader();
      long oldId = old.config().nodeId();
      servers.remove(oldId).close();
      Set<String> afterLoss = proposeMany(a, "after", 500, 8, unknown);
      await("a new leader", () -> leader() != null);
      assertTrue(afterLoss.size() + unknown.size() == 500, "every proposal got an answer");
      Set<String> more = proposeMany(a, "later", 200, 8, unknown);
      assertEquals(200, more.size(), "with a stable new leader every proposal succeeds");
      acked.addAll(afterLoss);
      acked.addAll(more);

      // The stopped node restarts from its data directory and catches up.
      servers.put(oldId, RaftServer.start(configs.get(oldId)));
      RaftServer leaderNow = leader();
      await(
          "the restarted node applied everything the leader did",
          () -> {
            var mine = ListStateMachineProvider.INSTANCES.get(oldId);
            var theirs = ListStateMachineProvider.INSTANCES.get(leaderNow.config().nodeId());
            return mine.applied.size() == theirs.applied.size()
                && mine.applied.size() >= acked.size();
          });

      // A follower stops while writes go on, then restarts from its data directory and catches up.
      long followerId =
          servers.keySet().stream()
              .filter(id -> id != leaderNow.config().nodeId())
              .findFirst()
              .orElseThrow();
      servers.remove(followerId).close();
      Set<String> whileDown = proposeMany(a, "down", 300, 16, unknown);
      assertEquals(300, whileDown.size(), "a majority is up: every proposal succeeds");
      acked.addAll(whileDown);
      servers.put(followerId, RaftServer.start(configs.get(followerId)));
      await(
          "the restarted follower caught up",
          () -> {
            var mine = ListStateMachineProvider.INSTANCES.get(followerId);
            var theirs = ListStateMachineProvider.INSTANCES.get(leaderNow.config().nodeId());
            return mine.applied.size() == theirs.applied.size()
                && mine.applied.size() >= acked.size();
          });
      System.out.printf(
          "RaftServerIT: %d acknowledged, %d with unknown outcome after the leader stopped%n",
          acked.size(), unknown.size());
      List<String> finalRef =
          ListStateMachineProvider.INSTANCES.get(leaderNow.config().nodeId()).applied;
      Set<String> distinct = new HashSet<>(finalRef);
      assertEquals(finalRef.size(), distinct.size(), "no command applied twice");
      assertTrue(distinct.containsAll(acked), "every acknowledged command is applied");
      for (var sm : ListStateMachineProvider.INSTANCES.values()) assertEquals(finalRef, sm.applied);
    } catch (ClientException e) {
      throw new AssertionError("client failed: " + e.getMessage(), e);
    }
  }

  /** Occupies address as a listening socket would. */
  private static ServerSocket occupy(InetSocketAddress address) throws Exception {
    ServerSocket s = new ServerSocket();
    s.bind(address);
    return s;
  }

  /**
   * Client connections on I/O threads of their own (the other tests run with the default, on the
   * node's loop) are served the same: every command is answered and reaches every replica.
   */
  @Test
  void clientConnectionsOnThreadsOfTheirOwnAreServedAsOnTheLoop() throws Exception {
    startCluster("raft.client.io-threads = 2\n");
    await("a leader", () -> leader() != null);
    List<CompletableFuture<byte[]>> answers = new ArrayList<>();
    try (RaftClient client =
        RaftClient.create(
            RaftClientOptions.builder(List.of(clientAddresses().split(",")))
                .clusterId("it")
                .stateMachine("it-list")
                .build())) {
      for (int i = 0; i < 50; i++) answers.add(client.propose(("c" + i).getBytes(UTF_8)));
      for (CompletableFuture<byte[]> a : answers) a.get(30, TimeUnit.SECONDS);
    }
    await(
        "every replica applied the 50 commands",
        () ->
            ListStateMachineProvider.INSTANCES.values().stream()
                .allMatch(sm -> sm.applied.size() >= 50));
  }

  /**
   * A client that names the cluster and state machine it expects is refused by servers of another
   * (nothing it sent is applied) and served by the right ones.
   */
  @Test
  void aClientExpectingAnotherStateMachineOrClusterIsRefused() throws Exception {
    startCluster();
    await("a leader", () -> leader() != null);
    List<String> servers = List.of(clientAddresses().split(","));
    int appliedBefore = ListStateMachineProvider.INSTANCES.get(1L).applied.size();
    for (RaftClientOptions.Builder wrong :
        List.of(
            RaftClientOptions.builder(servers).stateMachine("counter"),
            RaftClientOptions.builder(servers).clusterId("another-cluster"))) {
      try (RaftClient client = RaftClient.create(wrong.build())) {
        ExecutionException e =
            assertThrows(
                ExecutionException.class,
                () -> client.propose("x".getBytes(StandardCharsets.UTF_8)).get());
        ClientException ce = (ClientException) e.getCause();
        assertEquals(ClientException.Kind.WRONG_CLUSTER, ce.kind(), ce.getMessage());
        assertFalse(ce.outcomeUnknown());
        assertTrue(
            ce.getMessage().contains("this cluster runs state machine 'it-list', not 'counter'")
                || ce.getMessage()
                    .contains("this server belongs to cluster 'it', not 'another-cluster'"),
            ce.getMessage());
      }
    }
    try (RaftClient client =
        RaftClient.create(
            RaftClientOptions.builder(servers).clusterId("it").stateMachine("it-list").build())) {
      assertTrue(
          new String(
                  client.proposeSync("right".getBytes(StandardCharsets.UTF_8)),
                  StandardCharsets.UTF_8)
              .startsWith("ok:"));
    }
    await(
        "the accepted command applied",
        () -> ListStateMachineProvider.INSTANCES.get(1L).applied.size() == appliedBefore + 1);
    assertEquals(
        List.of("right"),
        ListStateMachineProvider.INSTANCES
            .get(1L)
            .applied
            .subList(appliedBefore, appliedBefore + 1),
        "nothing refused was applied");
  }

  /**
   * Fail-stop: a leader whose node stops on a failure (here its state machine throws) leaves the
   * cluster's traffic; clients go on with the leader the others elect. With {@code on-failure =
   * stay-up} it keeps its client port to say why: its status shows the failure and the entry, and a
   * client that reaches it hears the reason (UNAVAILABLE: it retries elsewhere). With {@code exit}
   * it closes every port.
   */
  @ParameterizedTest(name = "raft.on-failure = {0}")
  @ValueSource(strings = {"stay-up", "exit"})
  void aServerWhoseNodeFailsLeavesTheClusterAndClientsMoveOn(String onFailure) throws Exception {
    configure("raft.on-failure = " + onFailure + "\n");
    for (long sid : configs.keySet()) servers.put(sid, RaftServer.start(configs.get(sid)));
    await("a leader", () -> leader() != null);
    RaftServer failing = leader();
    long id = failing.config().nodeId();
    String failingAddress = HostPort.format(failing.config().self().clientAddress());
    try (RaftClient client =
        RaftClient.create(
            RaftClientOptions.builder(List.of(clientAddresses().split(",")))
                .requestTimeout(Duration.ofSeconds(30))
                .build())) {
      client.proposeSync("before".getBytes(StandardCharsets.UTF_8));
      CompletableFuture<byte[]> doomed = client.propose(("fail-on-" + id).getBytes(UTF_8));
      await("node " + id + " stopped", () -> failing.failure() != null);
      assertTrue(
          failing
              .failure()
              .matches(
                  "the state machine threw applying entr(y|ies) [0-9.]+:"
                      + " java.lang.IllegalStateException: told to fail at [0-9]+"),
          failing.failure());
      byte[] after = client.proposeSync("after".getBytes(StandardCharsets.UTF_8));
      assertTrue(new String(after, StandardCharsets.UTF_8).startsWith("ok:"));
      doomed.handle((r, t) -> null).join();
    }
    try (RaftClient direct =
        RaftClient.create(
            RaftClientOptions.builder(List.of(failingAddress))
                .requestTimeout(Duration.ofSeconds(2))
                .build())) {
      if (onFailure.equals("exit")) {
        await("its ports closed", () -> failing.clientAddress() == null || portClosed(failing));
        return;
      }
      io.raftjvm.client.proto.NodeStatus st = direct.status().get();
      assertEquals("FAILED", st.getRole());
      assertTrue(st.getFailure().contains("told to fail"), st.getFailure());
      assertTrue(st.getFailedAtMs() > 0);
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () -> direct.propose("x".getBytes(StandardCharsets.UTF_8)).get());
      assertTrue(
          e.getCause().getMessage().contains("node " + id + " failed at "),
          e.getCause().getMessage());
      assertTrue(
          e.getCause().getMessage().contains("serves nothing until restarted"),
          e.getCause().getMessage());
      // Not even a local (possibly stale) query: its state machine stopped half-way.
      io.raftjvm.client.proto.ClientResponse local = localQuery(failing.config().self());
      assertEquals(
          io.raftjvm.client.proto.ClientError.Code.UNAVAILABLE, local.getError().getCode());
      assertTrue(
          local.getError().getMessage().contains("serves nothing until restarted"),
          local.getError().getMessage());
    }
  }

  /** A local query sent on a raw connection to member's client port; its answer. */
  private static io.raftjvm.client.proto.ClientResponse localQuery(ClusterMember member)
      throws java.io.IOException {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(member.clientAddress(), 2_000);
      s.setSoTimeout(5_000);
      java.io.DataOutputStream out = new java.io.DataOutputStream(s.getOutputStream());
      byte[] req =
          io.raftjvm.client.proto.ClientRequest.newBuilder()
              .setRequestId(1)
              .setQuery(
                  io.raftjvm.client.proto.Query.newBuilder()
                      .setQuery(com.google.protobuf.ByteString.EMPTY)
                      .setLocal(true))
              .build()
              .toByteArray();
      out.writeInt(req.length);
      out.write(req);
      out.flush();
      java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
      byte[] resp = new byte[in.readInt()];
      in.readFully(resp);
      return io.raftjvm.client.proto.ClientResponse.parseFrom(resp);
    }
  }

  private static boolean portClosed(RaftServer s) {
    try (java.net.Socket sock = new java.net.Socket()) {
      sock.connect(s.config().self().clientAddress(), 1000);
      return false;
    } catch (java.io.IOException e) {
      return true;
    }
  }

  /**
   * A taken peer address is named with its key, the same line with the native transport (whose bind
   * error reads differently) and with NIO.
   */
  @ParameterizedTest(name = "raft.transport.native = {0}")
  @ValueSource(booleans = {true, false})
  @SuppressWarnings("try") // the socket only holds the port
  void aTakenPeerAddressIsNamedWithItsKey(boolean nativeTransport) throws Exception {
    configure("raft.transport.native = " + nativeTransport + "\n");
    InetSocketAddress peer = configs.get(1L).self().peerAddress();
    try (ServerSocket taken = occupy(peer)) {
      ConfigException e =
          assertThrows(ConfigException.class, () -> RaftServer.start(configs.get(1L)));
      assertEquals(
          "cannot listen on 127.0.0.1:"
              + peer.getPort()
              + " (raft.peers[id = 1].peer-address): Address"
              + " already in use",
          e.getMessage());
    }
  }

  /**
   * The client port is bound after the peer port: a failed start lets go of the peer port again.
   */
  @Test
  @SuppressWarnings("try") // the socket only holds the port
  void aTakenClientAddressIsNamedWithItsKeyAndTheFailedStartReleasesThePeerPort() throws Exception {
    configure("");
    InetSocketAddress client = configs.get(2L).self().clientAddress();
    try (ServerSocket taken = occupy(client)) {
      ConfigException e =
          assertThrows(ConfigException.class, () -> RaftServer.start(configs.get(2L)));
      assertEquals(
          "cannot listen on 127.0.0.1:"
              + client.getPort()
              + " (raft.peers[id = 2].client-address): Address"
              + " already in use",
          e.getMessage());
    }
    servers.put(2L, RaftServer.start(configs.get(2L)));
    assertEquals(client.getPort(), servers.get(2L).clientAddress().getPort());
  }
}
