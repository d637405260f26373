package io.raftjvm.server;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * {@code raft.http}: the HTTP port (metrics, health checks, status, dashboard) and what its health
 * checks demand.
 *
 * @param address where to listen; null: no HTTP port
 * @param metrics whether metrics are collected (off: {@code /metrics} answers 404, and the node
 *     reports nothing, for measuring what metrics cost)
 * @param readyMaxApplyLag {@code /health/ready} fails while applied trails commit by more entries
 * @param liveMaxWriteStall {@code /health/live} fails while a log write has waited longer
 * @param allowedOrigin the {@code Access-Control-Allow-Origin} of JSON answers (the dashboard of
 *     one server reads the others'); empty: none sent
 */
public record HttpConfig(
    InetSocketAddress address,
    boolean metrics,
    long readyMaxApplyLag,
    Duration liveMaxWriteStall,
    String allowedOrigin) {
  static HttpConfig parse(ConfigReader r, ClusterMember self) {
    InetSocketAddress address =
        r.string("address").isBlank() ? self.httpAddress() : r.address("address");
    return new HttpConfig(
        address,
        r.bool("metrics"),
        r.nonNegative("ready-max-apply-lag"),
        r.positiveDuration("live-max-write-stall"),
        r.string("allowed-origin"));
  }
}
