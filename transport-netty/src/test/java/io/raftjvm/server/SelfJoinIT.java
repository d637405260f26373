package io.raftjvm.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.HostPort;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.core.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * raft.auto-join: a server started empty with join = true adds itself as a learner, is promoted
 * once caught up (thesis §4.2.1), and then holds what was committed before and after it came.
 */
class SelfJoinIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private final Map<Long, RaftServer> servers = new TreeMap<>();

  @AfterEach
  void stop() {
    servers.values().forEach(RaftServer::close);
    ListStateMachineProvider.INSTANCES.clear(); // the state machines outlive their servers
  }

  private long leader() {
    for (Map.Entry<Long, RaftServer> e : servers.entrySet()) {
      if (e.getValue().driver().role() == Role.LEADER) return e.getKey();
    }
    return 0;
  }

  @Test
  void aServerStartedToJoinAddsItselfAndBecomesAVoter() throws Exception {
    String peers = TestClusters.peers(TestClusters.freePorts(6));
    for (long id = 1; id <= 3; id++) {
      servers.put(
          id,
          RaftServer.start(
              TestClusters.config(TestClusters.node(peers, "sj", id, dir, "it-list"))));
    }
    TestClusters.await("a leader", WAIT, () -> leader() != 0);
    List<String> addresses = new ArrayList<>();
    for (RaftServer s : servers.values()) addresses.add(HostPort.format(s.clientAddress()));
    try (RaftClient c =
        RaftClient.create(
            RaftClientOptions.builder(addresses).requestTimeout(Duration.ofSeconds(30)).build())) {
      for (int i = 0; i < 20; i++) c.proposeSync(("before" + i).getBytes(UTF_8));

      int[] ports = TestClusters.freePorts(2);
      String joinerPeers = TestClusters.withMember(peers, 4, ports[0], ports[1]);
      servers.put(
          4L,
          RaftServer.start(
              TestClusters.config(
                  TestClusters.node(joinerPeers, "sj", 4, dir, "it-list")
                      + "raft.join = true\nraft.auto-join = true\n")));
      TestClusters.await(
          "node 4 a voter in the leader's configuration",
          WAIT,
          () -> {
            long l = leader();
            return l != 0 && servers.get(l).driver().confState().getVotersList().contains(4L);
          });
      for (int i = 0; i < 20; i++) c.proposeSync(("after" + i).getBytes(UTF_8));
      long commit = servers.get(leader()).driver().commitIndex();
      TestClusters.await(
          "node 4 applied everything",
          WAIT,
          () -> servers.get(4L).driver().appliedIndex() >= commit);
      String applied = String.join(",", ListStateMachineProvider.INSTANCES.get(4L).applied);
      assertTrue(applied.contains("before0") && applied.contains("after19"), applied);
      assertEquals(
          List.of(1L, 2L, 3L, 4L),
          servers.get(4L).driver().confState().getVotersList().stream().sorted().toList());
    }
  }
}
