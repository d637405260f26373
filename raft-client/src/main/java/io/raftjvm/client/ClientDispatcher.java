package io.raftjvm.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.raftjvm.client.ClientException.Kind;
import io.raftjvm.client.proto.ClientError;
import io.raftjvm.client.proto.ClientHello;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import io.raftjvm.client.proto.NotLeader;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Routes requests to the cluster: sends each attempt where {@link ClientRouting} says (the presumed
 * leader, else the next responsive server), follows NotLeader redirects, and decides after every
 * failure whether to retry or to fail the request, and with which {@link Kind}.
 *
 * <p>Retry rules: a request that never reached a server, a NotLeader answer, and UNAVAILABLE are
 * retried (that attempt did not take effect). A propose in a session, a query and a session
 * registration are also retried after a lost connection, TIMEOUT, LEADERSHIP_LOST, and an attempt
 * left unanswered for {@link RaftClientOptions#attemptTimeout()} (then sent to another server; a
 * late success of the abandoned attempt still settles the call). A propose without a session or a
 * membership change fails as outcome-unknown in those cases instead. REFUSED and BAD_REQUEST fail
 * at once. A status or snapshot request always goes to the first server and is never redirected.
 * Every call fails at its deadline.
 *
 * <p>Outcomes: once an attempt of a propose or membership change may have reached a server without
 * a definite answer, the call ends in success or with an outcome-unknown kind, never with a kind
 * that says nothing happened (see {@link #fail}).
 *
 * <p>Invariant: every method runs on the client's single event loop, so nothing is locked.
 */
final class ClientDispatcher {
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final RaftClientOptions options;
  private final Backoff backoff;
  private final ClientRouting routing;

  /** Open or opening connections by server address; a closed connection removes itself. */
  private final Map<String, ClientConnection> connections = new HashMap<>();

  /** Calls started and not finished; bounded by the client's pending-request limit. */
  private int active;

  /**
   * Calls in the order they started, for their deadlines: every call has the same timeout, so
   * deadlines come in this order. It holds every active call. Completed calls leave from the head
   * (as each call starts, and in the sweep); a sweep fails calls whose deadline passed. One
   * periodic task instead of a timer scheduled and cancelled per call.
   */
  private final ArrayDeque<ClientCall> byDeadline = new ArrayDeque<>();

  /** Attempts that fail over when unanswered, in the order they were sent (same timeout each). */
  private final ArrayDeque<Attempt> byAttemptDue = new ArrayDeque<>();

  /** An attempt (request_id id of call) that fails over at dueNanos if still unanswered. */
  private record Attempt(ClientCall call, long id, long dueNanos) {
    /** Answered, given up or superseded by a later attempt: nothing to fail over. */
    boolean settled() {
      return call.requestId != id || call.isDone();
    }
  }

  /**
   * Beyond twice the calls in flight (plus a margin), settled entries are dropped from a queue
   * before the next sweep: a call stuck at the head must not make the queue hold every call
   * completed behind it until its deadline.
   */
  private int compactAt() {
    return 2 * active + 1024;
  }

  private final LongSupplier nanoClock;

  /** Runs {@link #sweep}; null until the first call. */
  private io.netty.util.concurrent.ScheduledFuture<?> sweeper;

  /** Last request_id handed out; ids are unique across this client's connections. */
  private long lastRequestId;

  private boolean closed;

  /** The cluster id servers must have, "" when not checked. */
  String clusterId() {
    return options.clusterId();
  }

  /** TLS towards the servers, or null for plaintext. */
  private final io.netty.handler.ssl.SslContext ssl;

  ClientDispatcher(EventLoop loop, Bootstrap bootstrap, RaftClientOptions options, long seed) {
    this(loop, bootstrap, options, seed, System::nanoTime);
  }

  ClientDispatcher(
      EventLoop loop,
      Bootstrap bootstrap,
      RaftClientOptions options,
      long seed,
      LongSupplier nanoClock) {
    this.loop = loop;
    this.bootstrap = bootstrap;
    this.options = options;
    this.ssl = ClientTls.context(options);
    this.backoff =
        new Backoff(options.retryBackoff(), options.maxRetryBackoff(), new SplittableRandom(seed));
    this.routing =
        new ClientRouting(options.servers(), options.attemptTimeout().toNanos(), nanoClock);
    this.nanoClock = nanoClock;
  }

  /** How often deadlines are checked: a twentieth of the shorter timeout, 1 to 100 ms. */
  private long sweepPeriodNanos() {
    long shorter = Math.min(options.requestTimeout().toNanos(), options.attemptTimeout().toNanos());
    return Math.max(
        TimeUnit.MILLISECONDS.toNanos(1),
        Math.min(shorter / 20, TimeUnit.MILLISECONDS.toNanos(100)));
  }

  /** Fails calls past their deadline and fails over attempts past theirs. On the loop. */
  private void sweep() {
    long now = nanoClock.getAsLong();
    ClientCall call;
    while ((call = byDeadline.peekFirst()) != null
        && (call.isDone() || call.deadlineNanos - now <= 0)) {
      byDeadline.pollFirst();
      if (!call.isDone()) expire(call);
    }
    Attempt a;
    while ((a = byAttemptDue.peekFirst()) != null && (a.settled() || a.dueNanos() - now <= 0)) {
      byAttemptDue.pollFirst();
      if (!a.settled()) attemptTimedOut(a.call(), a.id());
    }
  }

  void start(ClientCall call) {
    if (closed) {
      call.fail(new ClientException(Kind.CLOSED, "client closed"));
      return;
    }
    // The largest request_id a frame can carry bounds its size.
    int frame = call.maxFrameBytes();
    if (frame > options.maxRequestBytes()) {
      call.fail(
          new ClientException(
              Kind.BAD_REQUEST,
              "the "
                  + call.what()
                  + " needs a "
                  + frame
                  + "-byte request, over the "
                  + options.maxRequestBytes()
                  + " bytes a request may have"
                  + " (RaftClientOptions.maxRequestBytes; the servers' raft.client.max-frame-size)"));
      return;
    }
    call.active = true;
    active++;
    if (sweeper == null) {
      long period = sweepPeriodNanos();
      sweeper = loop.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.NANOSECONDS);
    }
    call.deadlineNanos = nanoClock.getAsLong() + options.requestTimeout().toNanos();
    // Answers come mostly in the order of the requests: the calls they completed are at the head.
    ClientCall head;
    while ((head = byDeadline.peekFirst()) != null && head.isDone()) byDeadline.pollFirst();
    byDeadline.addLast(call);
    if (byDeadline.size() > compactAt()) byDeadline.removeIf(ClientCall::isDone);
    send(call);
  }

  /** Fails every pending call with CLOSED (outcome unknown if sent) and closes the connections. */
  void close() {
    closed = true;
    if (sweeper != null) sweeper.cancel(false);
    for (ClientCall call : new ArrayList<>(byDeadline)) {
      if (call.active) {
        fail(call, Kind.CLOSED, "client closed before the " + call.what() + " was answered");
      }
    }
    for (ClientConnection c : new ArrayList<>(connections.values())) {
      c.close();
    }
    connections.clear();
  }

  String leader() {
    return routing.leader();
  }

  private void send(ClientCall call) {
    if (call.isDone()) {
      return;
    }
    String target = call.op.local ? options.servers().get(0) : routing.target();
    ClientConnection conn = connections.get(target);
    if (conn == null || conn.isClosed()) {
      conn = new ClientConnection(this, target, bootstrap, options.maxFrameBytes(), hello(), ssl);
      connections.put(target, conn);
      conn.connect();
    }
    long id = ++lastRequestId;
    call.requestId = id;
    call.connection = conn;
    call.written = false;
    if (call.failsOver()) {
      Attempt head;
      while ((head = byAttemptDue.peekFirst()) != null && head.settled()) byAttemptDue.pollFirst();
      byAttemptDue.addLast(
          new Attempt(call, id, nanoClock.getAsLong() + options.attemptTimeout().toNanos()));
      if (byAttemptDue.size() > compactAt()) byAttemptDue.removeIf(Attempt::settled);
    }
    conn.send(call);
  }

  /** The attempt is being written to the socket: from now on it may reach the server. */
  void written(ClientCall call, long id) {
    if (call.requestId == id) {
      call.written = true;
    }
  }

  /** The attempt never reached the server: retry, elsewhere if the server was the leader. */
  void notSent(ClientCall call, long id, ClientConnection conn, Throwable cause) {
    if (call.requestId != id || call.isDone()) {
      return;
    }
    routing.failed(conn.address);
    String why =
        cause == null
            ? "connection closed"
            : cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    retry(call, Kind.UNAVAILABLE, "could not send to " + conn.address + ": " + why, true);
  }

  /** The connection broke while the attempt was in flight. */
  void lost(ClientCall call, long id, ClientConnection conn) {
    if (call.requestId != id) {
      call.abandoned.remove(new ClientCall.Attempt(conn, id));
      return;
    }
    if (call.isDone()) {
      return;
    }
    routing.failed(conn.address);
    if (call.written && call.appends()) {
      fail(
          call,
          Kind.CONNECTION_LOST_OUTCOME_UNKNOWN,
          "connection to "
              + conn.address
              + " lost after the "
              + call.what()
              + " was sent; it "
              + call.mayOrMayNot());
      return;
    }
    if (call.written) {
      call.undecided = true;
    }
    retry(call, Kind.UNAVAILABLE, conn.lostDescription(), true);
  }

  /** No answer within the attempt timeout: the server may be frozen; try another one. */
  private void attemptTimedOut(ClientCall call, long id) {
    if (call.requestId != id || call.isDone()) {
      return;
    }
    ClientConnection conn = call.connection;
    if (call.written) {
      call.undecided = true;
      call.abandoned.add(new ClientCall.Attempt(conn, id)); // its success still counts
    } else {
      conn.forget(id, call);
    }
    routing.unresponsive(conn.address);
    retry(
        call,
        Kind.TIMEOUT_OUTCOME_UNKNOWN,
        "no answer from " + conn.address + " within " + Durations.format(options.attemptTimeout()),
        false);
  }

  /**
   * The protocol the client speaks and what it expects of the servers: first on every connection.
   */
  private ClientRequest hello() {
    return ClientRequest.newBuilder()
        .setRequestId(0)
        .setHello(
            ClientHello.newBuilder()
                .setClusterId(options.clusterId())
                .setStateMachine(options.stateMachine())
                .setProtocolVersion(ProtocolVersion.CLIENT.current())
                .setMinProtocolVersion(ProtocolVersion.CLIENT.oldest()))
        .build();
  }

  /** The server refused the connection's hello (kind says why): the attempt fails for good. */
  void refused(ClientCall call, long id, ClientConnection conn, Kind kind, String said) {
    if (call.requestId != id || call.isDone()) {
      return;
    }
    endAttempt(call);
    fail(call, kind, conn.address + " refused the connection: " + said);
  }

  void connectionClosed(ClientConnection conn) {
    connections.remove(conn.address, conn);
    routing.closed(conn.address);
  }

  void answered(ClientCall call, ClientConnection conn, ClientResponse response) {
    routing.answered(conn.address);
    if (call.requestId != response.getRequestId()) {
      lateAnswer(call, conn, response);
      return;
    }
    if (call.isDone()) {
      return;
    }
    endAttempt(call);
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

  /**
   * An answer to an attempt abandoned after its attempt timeout: only a success settles the call.
   */
  private void lateAnswer(ClientCall call, ClientConnection conn, ClientResponse response) {
    boolean abandoned =
        call.abandoned.remove(new ClientCall.Attempt(conn, response.getRequestId()));
    if (abandoned && !call.isDone() && call.expects(response.getBodyCase())) {
      if (call.connection != null) {
        call.connection.forget(call.requestId, call);
      }
      endAttempt(call);
      succeeded(call, conn.address, response);
    }
  }

  private void succeeded(ClientCall call, String from, ClientResponse response) {
    if (!call.expects(response.getBodyCase())) {
      fail(
          call,
          Kind.SERVER_ERROR_OUTCOME_UNKNOWN,
          from
              + " answered a "
              + call.what()
              + " with "
              + response.getBodyCase()
              + (call.appends() ? "; " + call.unknownOutcome() : ""));
      return;
    }
    if (!call.op.local) {
      routing.leaderIs(from);
    }
    finish(call);
    call.complete(response);
  }

  private void notLeader(ClientCall call, String from, NotLeader notLeader) {
    if (call.op.local) {
      fail(call, Kind.UNAVAILABLE, from + " answered NotLeader to a " + call.what());
      return;
    }
    String hint = notLeader.getLeaderAddress();
    boolean named = !hint.isEmpty() && !hint.equals(from) && HostPort.isValid(hint);
    if (named && routing.followable(hint)) {
      routing.leaderIs(hint);
      call.redirects++;
      retry(call, Kind.NOT_LEADER_UNKNOWN, from + " redirected to " + hint, call.redirects > 1);
    } else {
      routing.failed(from);
      retry(
          call,
          Kind.NOT_LEADER_UNKNOWN,
          from
              + (named
                  ? " named " + hint + " as leader, which left an attempt unanswered"
                  : " does not know the leader"),
          true);
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
      case FORBIDDEN:
        fail(call, Kind.FORBIDDEN, said);
        break;
      case SESSION_EXPIRED:
        fail(call, Kind.SESSION_EXPIRED_OUTCOME_UNKNOWN, said);
        break;
      case APPLY_FAILED:
        fail(call, Kind.APPLY_FAILED, said);
        break;
      case UNAVAILABLE:
        routing.failed(from); // a stopped or overloaded server: another one, or a redirect back
        retry(call, Kind.UNAVAILABLE, said, true);
        break;
      case TIMEOUT:
        failAppendOrRetry(call, Kind.TIMEOUT_OUTCOME_UNKNOWN, said);
        break;
      case LEADERSHIP_LOST:
        routing.failed(from);
        failAppendOrRetry(call, Kind.LEADERSHIP_LOST_OUTCOME_UNKNOWN, said);
        break;
      default:
        fail(
            call,
            Kind.SERVER_ERROR_OUTCOME_UNKNOWN,
            said + (call.appends() ? " (" + call.unknownOutcome() + ")" : ""));
    }
  }

  /** The server could not tell whether the attempt took effect. */
  private void failAppendOrRetry(ClientCall call, Kind kind, String said) {
    if (call.appends()) {
      fail(call, kind, said + " (" + call.unknownOutcome() + ")");
    } else {
      call.undecided = true;
      retry(call, kind, said, true);
    }
  }

  private void retry(ClientCall call, Kind kind, String why, boolean delay) {
    call.lastKind = kind;
    call.lastError = why;
    endAttempt(call);
    if (call.retries >= options.maxRetries()) {
      fail(call, kind, why + " (gave up after " + call.retries + " retries)");
      return;
    }
    call.retries++;
    if (delay) {
      loop.schedule(() -> send(call), backoff.delayNanos(++call.failures), TimeUnit.NANOSECONDS);
    } else {
      loop.execute(() -> send(call));
    }
  }

  private void expire(ClientCall call) {
    if (call.isDone()) {
      return;
    }
    String within =
        "no answer from the cluster within " + Durations.format(options.requestTimeout());
    ClientConnection conn = call.connection;
    if (conn != null && call.written) {
      if (!call.op.local) {
        routing.failed(conn.address); // whatever it is, it is not a leader that answers
      }
      fail(
          call,
          Kind.TIMEOUT_OUTCOME_UNKNOWN,
          within
              + ": the "
              + call.what()
              + " was sent to "
              + conn.address
              + (call.op.appends ? " and " + call.mayOrMayNot() : "")
              + (call.retries > 0 ? " (earlier: " + call.lastError + ")" : ""));
    } else if (conn != null) {
      fail(
          call,
          call.lastKind,
          within
              + " (still connecting to "
              + conn.address
              + (call.retries > 0 ? "; last error: " + call.lastError : "")
              + ")");
    } else {
      fail(call, call.lastKind, within + " (last error: " + call.lastError + ")");
    }
  }

  /**
   * Fails the call. A propose or membership change that an attempt may have carried to a server
   * without a definite answer (see {@link ClientCall#undecided}), the attempt in flight included,
   * never fails with a kind saying nothing happened: only BAD_REQUEST (the command itself is
   * invalid) keeps its kind; CLOSED becomes CLOSED_OUTCOME_UNKNOWN and any other such kind
   * TIMEOUT_OUTCOME_UNKNOWN.
   */
  private void fail(ClientCall call, Kind kind, String message) {
    if (call.connection != null && call.written) {
      call.undecided = true;
    }
    if (call.mayHaveTakenEffect() && !kind.outcomeUnknown() && kind != Kind.BAD_REQUEST) {
      kind = kind == Kind.CLOSED ? Kind.CLOSED_OUTCOME_UNKNOWN : Kind.TIMEOUT_OUTCOME_UNKNOWN;
      message += "; an earlier attempt was sent, and the " + call.what() + " " + call.mayOrMayNot();
    }
    finish(call);
    call.fail(new ClientException(kind, message));
  }

  private void finish(ClientCall call) {
    if (call.active) {
      call.active = false;
      active--;
    }
    if (call.connection != null) {
      call.connection.forget(call.requestId, call);
    }
    for (ClientCall.Attempt a : call.abandoned) {
      a.connection().forget(a.id(), call);
    }
    call.abandoned.clear();
    endAttempt(call);
  }

  /** The attempt in flight is over (answered, lost, given up): no connection holds it any more. */
  private static void endAttempt(ClientCall call) {
    call.connection = null;
    call.requestId = 0;
  }
}
