package io.raftjvm.server.http;

import java.util.concurrent.CompletableFuture;

/**
 * What the HTTP port serves, besides the dashboard's files: each answer is computed without
 * blocking the calling I/O thread.
 */
public interface HttpEndpoints {
  /**
   * {@code GET /metrics}: the Prometheus text format, or OpenMetrics when accept asks for it; null
   * when metrics are off (404).
   */
  CompletableFuture<HttpAnswer> metrics(String accept);

  /** {@code GET /health/live}: 200 while the process serves and its storage works, else 503. */
  CompletableFuture<HttpAnswer> live();

  /** {@code GET /health/ready}: 200 when this server can serve, else 503 with the reason. */
  CompletableFuture<HttpAnswer> ready();

  /** {@code GET /status}: the node as JSON. */
  CompletableFuture<HttpAnswer> status();
}
