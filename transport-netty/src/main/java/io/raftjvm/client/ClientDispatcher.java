package io.raftjvm.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.raftjvm.client.ClientException.Kind;
import io.raftjvm.proto.ClientError;
import io.raftjvm.proto.ClientResponse;
import io.raftjvm.proto.NotLeader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Routes requests to the cluster: sends each attempt to the presumed leader (else the next server,
 * round-robin), follows NotLeader redirects, and decides after every failure whether to retry or to
 * fail the request, and with which {@link Kind}.
 *
 * <p>Retry rules: a request that never reached a server, a NotLeader answer, and UNAVAILABLE are
 * retried (the command did not take effect). After a propose or a membership change (both append
 * a log entry) was written, a lost connection, TIMEOUT and LEADERSHIP_LOST fail it as
 * outcome-unknown; other requests are retried instead. REFUSED and BAD_REQUEST fail at once
 * (nothing took effect). A status request always goes to the first server and is never
 * redirected. Every call fails at its deadline.
 *
 * <p>Invariant: every method runs on the client's single event loop, so nothing is locked.
 */
final class ClientDispatcher {
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final RaftClientOptions options;
  private final ClientBackoff backoff;
  /** Open or opening connections by server address; a closed connection removes itself. */
  private final Map<String, ClientConnection> connections = new HashMap<>();
  /** Calls started and not completed; bounded by the client's pending-request limit. */
  private final Set<ClientCall> active = new HashSet<>();
  /** Client port of the presumed leader; null when unknown. Set by Applied and NotLeader answers. */
  private String leader;
  /** Round-robin cursor into options.servers(), advanced when a server fails or knows no leader. */
  private int nextServer;
  /** Last request_id handed out; ids are unique across this client's connections. */
  private long lastRequestId;
  private boolean closed;

  ClientDispatcher(EventLoop loop, Bootstrap bootstrap, RaftClientOptions options, long seed) {
    this.loop = loop;
    this.bootstrap = bootstrap;
    this.options = options;
    this.backoff = new ClientBackoff(options.retryBackoff(), options.maxRetryBackoff(),
        new SplittableRandom(seed));
  }

  void start(ClientCall call) {
    if (closed) {
      call.future.completeExceptionally(new ClientException(Kind.CLOSED, "client closed"));
      return;
    }
    active.add(call);
    call.deadline = loop.schedule(() -> expire(call), options.requestTimeout().toNanos(),
        TimeUnit.NANOSECONDS);
    send(call);
  }

  /** Fails every pending call with CLOSED and closes the connections. */
  void close() {
    closed = true;
    for (ClientCall call : new ArrayList<>(active)) {
      fail(call, Kind.CLOSED, "client closed before the " + call.what() + " was answered");
    }
    for (ClientConnection c : new ArrayList<>(connections.values())) {
      c.close();
    }
    connections.clear();
  }

  String leader() {
    return leader;
  }

  private void send(ClientCall call) {
    if (call.future.isDone()) {
      return;
    }
    List<String> servers = options.servers();
    String target = call.op.local ? servers.get(0)
        : leader != null ? leader : servers.get(Math.floorMod(nextServer, servers.size()));
    ClientConnection conn = connections.get(target);
    if (conn == null || conn.isClosed()) {
      conn = new ClientConnection(this, target, bootstrap, options.maxFrameBytes());
      connections.put(target, conn);
      conn.connect();
    }
    call.requestId = ++lastRequestId;
    call.connection = conn;
    call.written = false;
    conn.send(call);
  }

  void written(ClientCall call, long id) {
    if (call.requestId == id) {
      call.written = true;
    }
  }

  /** The attempt never reached the server: retry, elsewhere if the server was the leader. */
  void notSent(ClientCall call, long id, ClientConnection conn, Throwable cause) {
    if (call.requestId != id || call.future.isDone()) {
      return;
    }
    serverFailed(conn.address);
    String why = cause == null ? "connection closed" : cause.getMessage() != null
        ? cause.getMessage() : cause.getClass().getSimpleName();
    retry(call, Kind.UNAVAILABLE, "could not send to " + conn.address + ": " + why, true);
  }

  /** The connection broke while the attempt was in flight. */
  void lost(ClientCall call, long id, ClientConnection conn) {
    if (call.requestId != id || call.future.isDone()) {
      return;
    }
    serverFailed(conn.address);
    if (call.appends() && call.written) {
      fail(call, Kind.CONNECTION_LOST_OUTCOME_UNKNOWN, "connection to " + conn.address
          + " lost after the " + call.what() + " was sent; it " + call.mayOrMayNot());
    } else {
      retry(call, Kind.UNAVAILABLE, "connection to " + conn.address + " lost", true);
    }
  }

  void connectionClosed(ClientConnection conn) {
    connections.remove(conn.address, conn);
    if (conn.address.equals(leader)) {
      leader = null;
    }
  }

  void answered(ClientCall call, ClientConnection conn, ClientResponse response) {
    if (call.requestId != response.getRequestId() || call.future.isDone()) {
      return;
    }
    call.connection = null;
    call.requestId = 0;
    switch (response.getBodyCase()) {
      case APPLIED:
      case ADMIN:
        succeeded(call, conn.address, response);
        break;
      case NOT_LEADER:
        notLeader(call, conn.address, response.getNotLeader());
        break;
      case ERROR:
        error(call, conn.address, response.getError());
        break;
      default:
        fail(call, Kind.SERVER_ERROR_OUTCOME_UNKNOWN, conn.address + " sent an empty response");
    }
  }

  private void succeeded(ClientCall call, String from, ClientResponse response) {
    if (!call.expects(response.getBodyCase())) {
      fail(call, Kind.SERVER_ERROR_OUTCOME_UNKNOWN, from + " answered a " + call.what() + " with "
          + response.getBodyCase() + (call.appends() ? "; " + call.unknownOutcome() : ""));
      return;
    }
    if (!call.op.local) {
      leader = from;
    }
    finish(call);
    call.future.complete(response);
  }

  private void notLeader(ClientCall call, String from, NotLeader notLeader) {
    if (call.op.local) {
      fail(call, Kind.UNAVAILABLE, from + " answered NotLeader to a " + call.what());
      return;
    }
    String hint = notLeader.getLeaderAddress();
    if (!hint.isEmpty() && !hint.equals(from) && isAddress(hint)) {
      leader = hint;
      call.redirects++;
      retry(call, Kind.NOT_LEADER_UNKNOWN, from + " redirected to " + hint, call.redirects > 1);
    } else {
      serverFailed(from);
      retry(call, Kind.NOT_LEADER_UNKNOWN, from + " does not know the leader", true);
    }
  }

  private void error(ClientCall call, String from, ClientError error) {
    String said = from + " answered " + error.getCode() + ": " + error.getMessage();
    switch (error.getCode()) {
      case BAD_REQUEST:
        fail(call, Kind.BAD_REQUEST, said);
        break;
      case REFUSED:
        fail(call, Kind.REFUSED, said);
        break;
      case SESSION_EXPIRED:
        fail(call, Kind.SESSION_EXPIRED_OUTCOME_UNKNOWN, said);
        break;
      case APPLY_FAILED:
        fail(call, Kind.APPLY_FAILED, said);
        break;
      case UNAVAILABLE:
        retry(call, Kind.UNAVAILABLE, said, true);
        break;
      case TIMEOUT:
        failAppendOrRetry(call, Kind.TIMEOUT_OUTCOME_UNKNOWN, said);
        break;
      case LEADERSHIP_LOST:
        serverFailed(from);
        failAppendOrRetry(call, Kind.LEADERSHIP_LOST_OUTCOME_UNKNOWN, said);
        break;
      default:
        fail(call, Kind.SERVER_ERROR_OUTCOME_UNKNOWN, said
            + (call.appends() ? " (" + call.unknownOutcome() + ")" : ""));
    }
  }

  private void failAppendOrRetry(ClientCall call, Kind kind, String said) {
    if (call.appends()) {
      fail(call, kind, said + " (" + call.unknownOutcome() + ")");
    } else {
      retry(call, kind, said, true);
    }
  }

  /** A server failed or knows no leader: forget it as leader and move the round-robin on. */
  private void serverFailed(String address) {
    if (address.equals(leader)) {
      leader = null;
    }
    if (address.equals(options.servers().get(Math.floorMod(nextServer, options.servers().size())))) {
      nextServer++;
    }
  }

  private void retry(ClientCall call, Kind kind, String why, boolean delay) {
    call.lastKind = kind;
    call.lastError = why;
    call.connection = null;
    call.requestId = 0;
    if (call.retries >= options.maxRetries()) {
      fail(call, kind, why + " (gave up after " + call.retries + " retries)");
      return;
    }
    call.retries++;
    if (delay) {
      loop.schedule(() -> send(call), backoff.nanos(++call.failures), TimeUnit.NANOSECONDS);
    } else {
      loop.execute(() -> send(call));
    }
  }

  private void expire(ClientCall call) {
    if (call.future.isDone()) {
      return;
    }
    String within = "no answer from the cluster within " + human(options.requestTimeout());
    ClientConnection conn = call.connection;
    if (conn != null && call.written) {
      fail(call, Kind.TIMEOUT_OUTCOME_UNKNOWN, within + ": the " + call.what() + " was sent to "
          + conn.address + (call.appends() ? " and " + call.mayOrMayNot() : "")
          + (call.retries > 0 ? " (earlier: " + call.lastError + ")" : ""));
    } else if (conn != null) {
      fail(call, call.lastKind, within + " (still connecting to " + conn.address
          + (call.retries > 0 ? "; last error: " + call.lastError : "") + ")");
    } else {
      fail(call, call.lastKind, within + " (last error: " + call.lastError + ")");
    }
  }

  private void fail(ClientCall call, Kind kind, String message) {
    finish(call);
    call.future.completeExceptionally(new ClientException(kind, message));
  }

  private void finish(ClientCall call) {
    active.remove(call);
    if (call.deadline != null) {
      call.deadline.cancel(false);
    }
    if (call.connection != null) {
      call.connection.forget(call);
      call.connection = null;
    }
    call.requestId = 0;
  }

  private static boolean isAddress(String s) {
    try {
      ClientAddresses.parse(s);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  static String human(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
  }
}
