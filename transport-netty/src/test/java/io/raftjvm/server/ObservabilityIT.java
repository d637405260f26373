package io.raftjvm.server;

import static io.raftjvm.server.HttpCluster.await;
import static io.raftjvm.server.HttpCluster.value;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.raftjvm.client.RaftClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP port of a real 3-node cluster: metrics that move with the load, health checks that
 * follow what happens to a server, and the status JSON. Waits on conditions, never fixed sleeps.
 */
@Tag("integration")
@DisplayName("Observability: metrics, health and status of a 3-node cluster")
class ObservabilityIT {
  @TempDir Path tmp;
  private HttpCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) cluster.close();
  }

  /** Proposes count commands with at most window in flight; returns how many were acknowledged. */
  private static long load(RaftClient client, int count, int window) throws InterruptedException {
    AtomicLong acked = new AtomicLong();
    Semaphore inFlight = new Semaphore(window);
    List<CompletableFuture<byte[]>> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      inFlight.acquire();
      all.add(
          client
              .propose(("c" + i).getBytes(UTF_8))
              .whenComplete(
                  (r, t) -> {
                    if (t == null) acked.incrementAndGet();
                    inFlight.release();
                  }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).handle((v, t) -> null).join();
    return acked.get();
  }

  @Test
  void metricsMoveWithTheLoadAndAgreeAcrossTheCluster() throws Exception {
    cluster = new HttpCluster(tmp, "").start();
    long leader = cluster.awaitLeader();
    Map<String, Double> before = cluster.metrics(leader);
    long acked;
    try (RaftClient client = cluster.client()) {
      acked = load(client, 3000, 64);
    }
    assertEquals(3000, acked);
    Map<String, Double> after = cluster.metrics(leader);
    double proposed =
        value(after, "raft_proposed_entries_total") - value(before, "raft_proposed_entries_total");
    assertTrue(proposed >= acked, "the leader proposed " + proposed + " for " + acked + " acks");
    double ok =
        value(after, "raft_client_requests_total", "outcome=\"ok\"")
            - value(before, "raft_client_requests_total", "outcome=\"ok\"");
    assertTrue(ok >= acked, ok + " ok answers for " + acked + " acks");
    assertTrue(
        value(after, "raft_commit_latency_seconds_count")
            > value(before, "raft_commit_latency_seconds_count"));
    assertTrue(value(after, "raft_log_sync_latency_seconds_count") > 0);
    assertTrue(value(after, "raft_log_written_entries_total") >= acked);
    assertTrue(
        after.keySet().stream().anyMatch(k -> k.startsWith("raft_commit_latency_seconds_bucket")),
        "latency as histogram buckets Prometheus can aggregate");
    for (String jvm :
        List.of(
            "jvm_memory_used_bytes",
            "jvm_threads_live_threads",
            "jvm_classes_loaded_classes",
            "process_uptime_seconds",
            "process_cpu_usage")) {
      assertTrue(after.keySet().stream().anyMatch(k -> k.startsWith(jvm)), jvm);
    }
    assertTrue(value(after, "raft_data_dir_used_bytes") > 0);
    assertTrue(value(after, "raft_disk_free_bytes") > 0);
    assertEquals(1.0, value(after, "raft_role", "role=\"leader\""));
    double commit = value(after, "raft_commit_index");
    for (long id = 1; id <= 3; id++) {
      long f = id;
      await(
          "node " + f + " applied through the leader's commit " + commit,
          () -> {
            try {
              return value(cluster.metrics(f), "raft_applied_index") >= commit;
            } catch (Exception e) {
              return false;
            }
          });
      if (f != leader) {
        Map<String, Double> m = cluster.metrics(f);
        assertEquals(1.0, value(m, "raft_role", "role=\"follower\""));
        assertTrue(value(m, "raft_append_entries_received_total") >= acked);
        assertEquals(leader, (long) value(m, "raft_leader_id"));
        assertEquals(
            commit, value(after, "raft_follower_match_index", "follower=\"" + f + "\""), commit);
      }
    }
  }

  @Test
  void openMetricsWhenAsked() throws Exception {
    cluster = new HttpCluster(tmp, "").start();
    HttpResponse<String> r =
        cluster.get(1, "/metrics", "Accept", "application/openmetrics-text; version=1.0.0");
    assertEquals(200, r.statusCode());
    assertEquals(
        "application/openmetrics-text; version=1.0.0; charset=utf-8",
        r.headers().firstValue("content-type").orElseThrow());
    assertTrue(r.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
    HttpResponse<String> plain = cluster.get(1, "/metrics");
    assertEquals(
        "text/plain; version=0.0.4; charset=utf-8",
        plain.headers().firstValue("content-type").orElseThrow());
  }

  @Test
  void aLeaderChangeShowsInTheMetrics() throws Exception {
    cluster = new HttpCluster(tmp, "").start();
    long first = cluster.awaitLeader();
    List<Long> others = new ArrayList<>(List.of(1L, 2L, 3L));
    others.remove(first);
    Map<Long, Double> changesBefore = new java.util.TreeMap<>();
    for (long o : others)
      changesBefore.put(o, value(cluster.metrics(o), "raft_leader_changes_total"));
    cluster.stop(first);
    long second = cluster.awaitLeader();
    assertTrue(second != first);
    Map<String, Double> m = cluster.metrics(second);
    assertTrue(value(m, "raft_elections_won_total") >= 1);
    assertEquals(1.0, value(m, "raft_role", "role=\"leader\""));
    for (long o : others) {
      long id = o;
      await(
          "node " + id + " names " + second + " leader in its metrics",
          () -> {
            try {
              return value(cluster.metrics(id), "raft_leader_id") == second;
            } catch (Exception e) {
              return false;
            }
          });
      assertTrue(
          value(cluster.metrics(id), "raft_leader_changes_total") > changesBefore.get(id),
          "node " + id);
    }
  }

  /**
   * Readiness follows the leader: a server cut off from every other (here: they stop) answers 503
   * once it no longer knows a leader, and 200 again once they are back; liveness stays 200.
   */
  @Test
  void readinessTurns503WhenCutOffFromTheLeaderAnd200After() throws Exception {
    cluster = new HttpCluster(tmp, "").start();
    long leader = cluster.awaitLeader();
    long lone = leader == 3 ? 2 : 3;
    await("node " + lone + " ready", () -> cluster.code(lone, "/health/ready") == 200);
    List<Long> others = new ArrayList<>(List.of(1L, 2L, 3L));
    others.remove(lone);
    for (long o : others) cluster.stop(o);
    await("node " + lone + " not ready", () -> cluster.code(lone, "/health/ready") == 503);
    HttpResponse<String> r = cluster.get(lone, "/health/ready");
    assertEquals("not ready: no leader known\n", r.body());
    assertEquals(200, cluster.code(lone, "/health/live"), "cut off is not dead");
    assertFalse(cluster.status(lone).get("health").get("ready").asBoolean());
    for (long o : others) cluster.start(o);
    await("node " + lone + " ready again", () -> cluster.code(lone, "/health/ready") == 200);
    assertTrue(cluster.get(lone, "/health/ready").body().startsWith("ready: leader "));
  }

  @Test
  void theLeadersStatusShowsEachFollowersProgress() throws Exception {
    cluster = new HttpCluster(tmp, "").start();
    long leader = cluster.awaitLeader();
    try (RaftClient client = cluster.client()) {
      load(client, 200, 16);
    }
    JsonNode st = cluster.status(leader);
    assertEquals("LEADER", st.get("role").asText());
    assertEquals(leader, st.get("id").asLong());
    assertEquals(leader, st.get("leader").asLong());
    assertEquals("http-it", st.get("clusterId").asText());
    assertEquals("it-list", st.get("stateMachine").asText());
    assertTrue(st.get("commit").asLong() >= 200);
    assertEquals("[1,2,3]", st.get("configuration").get("voters").toString());
    assertEquals(3, st.get("configuration").get("members").size());
    for (JsonNode m : st.get("configuration").get("members")) {
      assertEquals(cluster.httpAddress(m.get("id").asLong()), m.get("httpAddress").asText());
    }
    JsonNode followers = st.get("followers");
    assertEquals(2, followers.size(), followers.toString());
    for (JsonNode f : followers) {
      assertTrue(f.get("id").asLong() != leader);
      for (String field : List.of("match", "next", "state", "inflight", "lag", "learner"))
        assertTrue(f.has(field), field + " in " + f);
      assertTrue(
          List.of("PROBE", "REPLICATE", "SNAPSHOT").contains(f.get("state").asText()), f + "");
    }
    assertTrue(st.get("health").get("live").asBoolean());
    long follower = leader == 1 ? 2 : 1;
    JsonNode fs = cluster.status(follower);
    assertEquals("FOLLOWER", fs.get("role").asText());
    assertFalse(fs.has("followers"), "only the leader tracks followers");
    assertEquals(
        "*",
        cluster.get(follower, "/status").headers().firstValue("access-control-allow-origin").get());
  }

  @Test
  void aRemovedServerSaysSoInItsStatusAndReadiness() throws Exception {
    cluster = new HttpCluster(tmp, "").start();
    long leader = cluster.awaitLeader();
    long removed = leader == 3 ? 2 : 3;
    try (RaftClient client = cluster.client()) {
      client.remove(removed).get();
    }
    await(
        "node " + removed + " knows it was removed",
        () -> cluster.server(removed).driver().removed());
    JsonNode st = cluster.status(removed);
    assertTrue(st.get("removed").asBoolean());
    HttpResponse<String> r = cluster.get(removed, "/health/ready");
    assertEquals(503, r.statusCode());
    assertEquals("not ready: removed from the cluster's configuration\n", r.body());
    assertFalse(cluster.status(leader).get("removed").asBoolean());
  }

  @Test
  void aFailedStateMachineFailsLivenessAndShowsInTheStatus() throws Exception {
    cluster = new HttpCluster(tmp, "").start();
    long leader = cluster.awaitLeader();
    long failing = leader == 3 ? 2 : 3;
    try (RaftClient client = cluster.client()) {
      client.proposeSync("before".getBytes(UTF_8));
      client.proposeSync(("fail-on-" + failing).getBytes(UTF_8)); // applied on the others
    }
    await("node " + failing + " failed", () -> cluster.server(failing).failure() != null);
    HttpResponse<String> live = cluster.get(failing, "/health/live");
    assertEquals(503, live.statusCode());
    assertTrue(
        live.body().matches("not live: node failed at 20[0-9TZ:.-]+: the state machine threw.*\n"),
        live.body());
    assertEquals(503, cluster.code(failing, "/health/ready"));
    JsonNode st = cluster.status(failing);
    assertEquals("FAILED", st.get("role").asText());
    JsonNode f = st.get("failure");
    assertTrue(f.get("error").asText().contains("told to fail"), f.toString());
    assertTrue(f.get("at").asText().startsWith("20"), f.toString());
    assertTrue(f.get("firstEntry").asLong() > 0 && f.get("lastEntry").asLong() > 0, f.toString());
    assertEquals(1.0, value(cluster.metrics(failing), "raft_failed"));
    assertEquals(200, cluster.code(leader, "/health/live"), "the others go on");
  }

  @Test
  void withMetricsOffTheEndpointSays404AndTheRestServes() throws Exception {
    cluster = new HttpCluster(tmp, "raft.http.metrics = false\n").start();
    cluster.awaitLeader();
    HttpResponse<String> r = cluster.get(1, "/metrics");
    assertEquals(404, r.statusCode());
    assertEquals("metrics are off on this server (raft.http.metrics = false)\n", r.body());
    assertEquals(200, cluster.code(1, "/health/live"));
    assertFalse(cluster.status(1).has("commitLatency"));
    assertEquals(null, cluster.server(1).metrics());
  }
}
