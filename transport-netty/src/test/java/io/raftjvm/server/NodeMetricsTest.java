package io.raftjvm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.proto.ClientError;
import io.raftjvm.client.proto.ClientResponse;
import io.raftjvm.client.proto.NotLeader;
import java.lang.management.ManagementFactory;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The Micrometer side of the node's metrics: events land in the right series, and the calls made
 * for every message and batch on the replication path allocate nothing.
 */
@DisplayName("NodeMetrics: the catalogue in Micrometer, without allocating per event")
class NodeMetricsTest {
  private final NodeMetrics metrics = new NodeMetrics("c", 7);

  @AfterEach
  void close() {
    metrics.close();
  }

  private Map<String, Double> scrape() {
    return HttpCluster.parseMetrics(metrics.registry().scrape());
  }

  @Test
  void eventsLandInTheirSeriesWithClusterAndNodeLabels() {
    metrics.campaignStarted(true);
    metrics.campaignStarted(false);
    metrics.electionWon();
    metrics.appendSent(5);
    metrics.appendSent(0);
    metrics.appendReceived(3);
    metrics.appendRejected();
    metrics.readIndex(true);
    metrics.readIndex(false);
    metrics.readIndex(false);
    metrics.proposed(4);
    metrics.committed(2_000_000);
    metrics.logWritten(4, 400, 300_000);
    metrics.logWritten(0, 0, 250_000);
    metrics.answered(
        ClientResponse.newBuilder().setNotLeader(NotLeader.getDefaultInstance()).build());
    metrics.answered(
        ClientResponse.newBuilder()
            .setError(ClientError.newBuilder().setCode(ClientError.Code.TIMEOUT))
            .build());
    Map<String, Double> m = scrape();
    assertEquals(1.0, HttpCluster.value(m, "raft_pre_votes_started_total", "node=\"7\""));
    assertEquals(1.0, HttpCluster.value(m, "raft_elections_started_total", "cluster=\"c\""));
    assertEquals(1.0, HttpCluster.value(m, "raft_elections_won_total"));
    assertEquals(2.0, HttpCluster.value(m, "raft_appends_sent_total"));
    assertEquals(5.0, HttpCluster.value(m, "raft_append_entries_sent_total"));
    assertEquals(3.0, HttpCluster.value(m, "raft_append_entries_received_total"));
    assertEquals(1.0, HttpCluster.value(m, "raft_appends_rejected_total"));
    assertEquals(1.0, HttpCluster.value(m, "raft_reads_confirmed_total", "path=\"lease\""));
    assertEquals(2.0, HttpCluster.value(m, "raft_reads_confirmed_total", "path=\"read_index\""));
    assertEquals(4.0, HttpCluster.value(m, "raft_proposed_entries_total"));
    assertEquals(1.0, HttpCluster.value(m, "raft_commit_latency_seconds_count"));
    assertEquals(0.002, HttpCluster.value(m, "raft_commit_latency_seconds_sum"), 1e-9);
    assertEquals(
        1.0, HttpCluster.value(m, "raft_commit_latency_seconds_bucket", "le=\"+Inf\""), "buckets");
    assertEquals(2.0, HttpCluster.value(m, "raft_log_sync_latency_seconds_count"));
    assertEquals(
        1.0, HttpCluster.value(m, "raft_log_sync_batch_entries_count"), "entries > 0 only");
    assertEquals(400.0, HttpCluster.value(m, "raft_log_written_bytes_total"));
    assertEquals(1.0, HttpCluster.value(m, "raft_client_requests_total", "outcome=\"not_leader\""));
    assertEquals(1.0, HttpCluster.value(m, "raft_client_requests_total", "outcome=\"timeout\""));
    assertEquals(0.0, HttpCluster.value(m, "raft_client_requests_total", "outcome=\"ok\""));
  }

  /** Bytes this thread allocated while running r n times (after warming it up). */
  private static long allocated(Runnable r, int n) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    for (int i = 0; i < 20_000; i++) r.run(); // warm-up: lazy initialization, JIT
    long id = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(id);
    for (int i = 0; i < n; i++) r.run();
    return threads.getThreadAllocatedBytes(id) - before;
  }

  @Test
  void theReplicationPathsEventsAllocateNothing() {
    long bytes =
        allocated(
            () -> {
              metrics.appendSent(64);
              metrics.appendReceived(64);
              metrics.proposed(64);
              metrics.committed(500_000);
              metrics.applied(200_000);
              metrics.logWritten(64, 6400, 280_000);
            },
            100_000);
    // 600,000 events: anything per event would be megabytes. A few hundred bytes of noise (the
    // measurement itself) are allowed.
    assertTrue(bytes < 16 * 1024, bytes + " bytes allocated for 600,000 events");
  }

  /** Where the check's own counter-example puts what it allocates, so that it escapes. */
  private static volatile Object sink;

  @Test
  void theAllocationCheckSeesAnAllocation() {
    long bytes =
        allocated(
            () -> {
              metrics.appendSent(64);
              sink = new long[8]; // what a per-event allocation would look like
            },
            100_000);
    assertTrue(bytes > 1_000_000, "100,000 allocations of 80 bytes must show: " + bytes);
  }
}
