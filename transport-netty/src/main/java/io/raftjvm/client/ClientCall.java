package io.raftjvm.client;

import io.raftjvm.proto.ClientRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One propose or query, across all its attempts. Each attempt gets a fresh request_id, so a late
 * answer to an earlier attempt is recognised and ignored. A propose keeps its client id and sequence
 * across attempts.
 *
 * <p>Invariant: all fields but {@link #future} are read and written on the client's event loop only.
 */
final class ClientCall {
  /** True for a propose (never retried once its outcome is unknown), false for a query. */
  final boolean propose;
  /** The request without its request_id. */
  private final ClientRequest template;
  /** Completed exactly once, on the client's event loop. */
  final CompletableFuture<byte[]> future = new CompletableFuture<>();

  /** request_id of the attempt in flight; 0 when none is. */
  long requestId;
  /** Connection the attempt in flight went to; null when none is. */
  ClientConnection connection;
  /** Whether the attempt in flight reached the socket (after which a propose's outcome is unknown). */
  boolean written;
  /** Attempts after the first one, redirects included. */
  int retries;
  /** Failed attempts so far, driving the exponential backoff. */
  int failures;
  /** Redirects to a named leader so far; only the first one is retried without delay. */
  int redirects;
  /** How the last attempt failed: the kind and text reported if the deadline passes. */
  ClientException.Kind lastKind = ClientException.Kind.UNAVAILABLE;
  String lastError = "no server answered";
  /** Fails the call when its deadline passes; cancelled when it completes. */
  ScheduledFuture<?> deadline;

  ClientCall(boolean propose, ClientRequest template) {
    this.propose = propose;
    this.template = template;
  }

  ClientRequest request(long id) {
    return template.toBuilder().setRequestId(id).build();
  }

  String what() {
    return propose ? "propose" : "query";
  }
}
