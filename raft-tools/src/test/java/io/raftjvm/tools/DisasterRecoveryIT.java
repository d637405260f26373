package io.raftjvm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.core.Role;
import io.raftjvm.counter.CounterCommands;
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
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disaster recovery on real servers (in this JVM, on loopback, Chronicle logs with sync on): a
 * 3-node counter cluster acknowledges writes; servers 2 and 3 are stopped for good (a majority
 * lost); raft-admin recover, refused while server 1 runs, makes the stopped server 1 the only
 * voter; started again it holds every acknowledged write and takes new ones; two new servers (ids 4
 * and 5, empty data directories) are added with raft-admin add-learner and promote and catch up;
 * then the old servers 2 and 3 are started on their old data: the new cluster refuses them at the
 * peer hello and tells them they were removed, and its leader and term do not change while they
 * run, although they elect a leader of their old configuration between them at higher terms. Waits
 * on conditions, never fixed sleeps.
 */
@Tag("integration")
class DisasterRecoveryIT {
  private static final Duration WAIT = Duration.ofMinutes(2);

  @TempDir Path tmp;
  private final Map<Long, RaftServer> servers = new TreeMap<>();

  @AfterEach
  void stop() {
    servers.values().forEach(RaftServer::close);
  }

  private static RaftClient client(List<String> addresses) {
    return RaftClient.create(
        RaftClientOptions.builder(addresses).requestTimeout(Duration.ofSeconds(30)).build());
  }

  private static long value(RaftClient c) throws InterruptedException {
    return CounterCommands.decodeValue(c.querySync(CounterCommands.get()));
  }

  private RaftServer start(long id, Path conf) throws Exception {
    RaftServer s = RaftServer.start(ServerConfig.load(conf.toFile()));
    servers.put(id, s);
    return s;
  }

  @Test
  void aSurvivorRecoveredAloneKeepsEveryAcknowledgedWriteAndGrowsBack() throws Exception {
    int[] p = TestClusters.freePorts(10); // peer ports 1..5, then client ports 1..5
    String founders = TestClusters.peers(new int[] {p[0], p[1], p[2], p[5], p[6], p[7]});
    String all =
        TestClusters.withMember(TestClusters.withMember(founders, 4, p[3], p[8]), 5, p[4], p[9]);
    Map<Long, Path> confs = new TreeMap<>();
    for (long id = 1; id <= 5; id++) {
      Path conf = tmp.resolve("node" + id + ".conf");
      Files.writeString(
          conf,
          TestClusters.node(id <= 3 ? founders : all, "dr-it", id, tmp, "counter")
              + "raft.election-ticks = 10\n"
              + (id <= 3 ? "" : "raft.join = true\n"));
      confs.put(id, conf);
    }
    List<String> client = new ArrayList<>();
    for (int i = 5; i < 10; i++) client.add("127.0.0.1:" + p[i]);

    for (long id = 1; id <= 3; id++) start(id, confs.get(id));
    TestClusters.await(
        "a leader",
        WAIT,
        () -> servers.values().stream().anyMatch(s -> s.driver().role() == Role.LEADER));
    AtomicLong acked = new AtomicLong();
    try (RaftClient c = client(client.subList(0, 3))) {
      List<CompletableFuture<byte[]>> adds = new ArrayList<>();
      for (int i = 1; i <= 300; i++) {
        long delta = i;
        adds.add(
            c.propose(CounterCommands.add(delta))
                .thenApply(
                    r -> {
                      acked.addAndGet(delta);
                      return r;
                    }));
      }
      CompletableFuture.allOf(adds.toArray(new CompletableFuture<?>[0])).join();
    }
    long expected = acked.get();
    assertEquals(300L * 301 / 2, expected, "every add acknowledged");
    // The survivor is the most up-to-date server (what the operator picks): here, once it has
    // applied everything the leader committed.
    long committed =
        servers.values().stream().mapToLong(s -> s.driver().commitIndex()).max().orElseThrow();
    TestClusters.await(
        "node 1 applied every acknowledged write",
        WAIT,
        () -> servers.get(1L).driver().appliedIndex() >= committed);
    servers.remove(2L).close();
    servers.remove(3L).close();

    AdminRun running = AdminRun.of("--config", confs.get(1L).toString(), "recover");
    assertEquals(1, running.code(), "refused while the server runs: " + running.out());
    assertTrue(
        running.err().startsWith("raft-admin: recover failed: ")
            && running.err().contains("another server is using this data directory"),
        running.err());
    servers.remove(1L).close();
    AdminRun dryRun = AdminRun.of("--config", confs.get(1L).toString(), "recover", "--dry-run");
    assertEquals(0, dryRun.code(), dryRun.err());
    assertTrue(
        dryRun.out().startsWith("node 1 of cluster 'dr-it': last log entry ")
            && dryRun.out().contains("configuration voters [1, 2, 3], learners []")
            && dryRun.out().strip().endsWith("(nothing was written)"),
        dryRun.out());
    AdminRun recover = AdminRun.of("--config", confs.get(1L).toString(), "recover");
    assertEquals(0, recover.code(), recover.err());
    assertTrue(
        recover
            .out()
            .startsWith(
                "node 1 of cluster 'dr-it' is now the only voter of its configuration (it was"
                    + " voters [1, 2, 3], learners [])"),
        recover.out());

    RaftServer survivor = start(1, confs.get(1L));
    TestClusters.await("node 1 leads alone", WAIT, () -> survivor.driver().role() == Role.LEADER);
    try (RaftClient c = client(client.subList(0, 1))) {
      assertEquals(expected, value(c), "every acknowledged write");
      expected += 1000;
      assertEquals(expected, CounterCommands.decodeValue(c.proposeSync(CounterCommands.add(1000))));
    }

    for (long id = 4; id <= 5; id++) {
      start(id, confs.get(id));
      String peer = "127.0.0.1:" + p[(int) id - 1];
      String clientAddress = "127.0.0.1:" + p[(int) id + 4];
      AdminRun add =
          AdminRun.of("--cluster", client.get(0), "add-learner", "" + id, peer, clientAddress);
      assertEquals(0, add.code(), add.err());
      AdminRun promote = AdminRun.of("--cluster", client.get(0), "promote", "" + id);
      assertEquals(0, promote.code(), promote.err());
    }
    assertEquals(List.of(1L, 4L, 5L), survivor.driver().confState().getVotersList());
    for (long id : List.of(1L, 4L, 5L)) {
      try (RaftClient c = client(List.of(client.get((int) id - 1)))) {
        assertEquals(expected, value(c), "the value read through node " + id);
      }
    }

    // The old servers come back on their old data: refused, told, and harmless to the new cluster.
    long term = survivor.driver().term();
    RaftServer two = start(2, confs.get(2L));
    RaftServer three = start(3, confs.get(3L));
    TestClusters.await(
        "the old servers learn they were removed",
        WAIT,
        () -> two.driver().removed() && three.driver().removed());
    // Between them they are a majority of the old configuration: they elect a leader of their own
    // (the split brain that wiping them prevents). Leadership transfers between them drive their
    // term past the new cluster's: were their messages let in, the new cluster would follow it.
    TestClusters.await(
        "an old server leads the old configuration",
        WAIT,
        () -> two.driver().role() == Role.LEADER || three.driver().role() == Role.LEADER);
    while (Math.max(two.driver().term(), three.driver().term()) <= term + 1) {
      RaftServer from = two.driver().role() == Role.LEADER ? two : three;
      RaftServer to = from == two ? three : two;
      long before = from.driver().term();
      from.driver().transferLeadership(to.driver().id()).get();
      TestClusters.await(
          "node " + to.driver().id() + " leads after term " + before,
          WAIT,
          () -> to.driver().role() == Role.LEADER && to.driver().term() > before);
    }
    try (RaftClient c = client(List.of(client.get(0), client.get(3), client.get(4)))) {
      for (int i = 0; i < 20; i++) c.proposeSync(CounterCommands.add(1));
      expected += 20;
      assertEquals(expected, value(c));
    }
    assertEquals(Role.LEADER, survivor.driver().role(), "node 1 still leads");
    assertEquals(term, survivor.driver().term(), "no election in the new cluster");
    for (long id : List.of(4L, 5L)) assertEquals(term, servers.get(id).driver().term());
  }
}
