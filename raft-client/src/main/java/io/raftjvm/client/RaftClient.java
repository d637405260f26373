package io.raftjvm.client;

import static io.raftjvm.client.CallSubmitter.failed;

import com.google.protobuf.ByteString;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.internal.ThreadExecutorMap;
import io.raftjvm.client.ClientCall.Op;
import io.raftjvm.client.ClientException.Kind;
import io.raftjvm.client.proto.Admin;
import io.raftjvm.client.proto.BackupChunk;
import io.raftjvm.client.proto.BackupRequest;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import io.raftjvm.client.proto.NodeStatus;
import io.raftjvm.client.proto.Propose;
import io.raftjvm.client.proto.Query;
import io.raftjvm.client.proto.ServerInfo;
import io.raftjvm.client.proto.SnapshotRequest;
import io.raftjvm.client.proto.StatusRequest;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Client of a Raft cluster's client ports: proposes commands and runs queries, finding the leader
 * on its own.
 *
 * <p><b>Routing and retries.</b> Requests go to the presumed leader; with none known, to the
 * servers in round-robin order. A NotLeader answer naming the leader redirects there (connecting if
 * needed); one naming no leader moves to the next server after a short backoff. A request that
 * never reached a server (connection refused or lost before the write) and an UNAVAILABLE answer
 * are retried with exponential backoff. A propose in a session, a query or a session registration
 * left unanswered for {@link RaftClientOptions#attemptTimeout()} (default 1 s) is sent to another
 * server, and the silent one is avoided, redirects to it included, for as long again: a paused or
 * cut-off leader costs about an election, not the deadline. Every request has one deadline ({@link
 * RaftClientOptions#requestTimeout()}, default 5 s) covering all its retries; when it passes the
 * request fails with "no answer from the cluster within 5 s".
 *
 * <p><b>Exactly once.</b> By default proposes go through a session (thesis §6.3): the client
 * registers one with its first propose and numbers every propose; the servers apply each number at
 * most once and answer a retry with the first result. So a propose whose attempt was left undecided
 * (a lost connection, a TIMEOUT or LEADERSHIP_LOST answer, no answer within the attempt timeout) is
 * simply sent again, to the new leader if need be, until the deadline.
 *
 * <p><b>What a failed propose tells.</b> {@link ClientException#outcomeUnknown()} false means the
 * command certainly was not and will not be applied: no attempt of it can have reached a server
 * except those a server answered definitely (NotLeader, UNAVAILABLE, BAD_REQUEST). Once an attempt
 * may have reached a server without such an answer, the propose ends in success or with {@link
 * ClientException#outcomeUnknown()} true, whatever its later attempts met (refused connections,
 * servers that know no leader, the deadline, {@link #close()}).
 *
 * <p><b>Without a session</b> ({@link RaftClientOptions.Builder#sessions(boolean)} false), a
 * propose left undecided is never retried (a retry could apply it twice): its future fails with
 * {@link ClientException#outcomeUnknown()} true and the caller decides. Queries have no effect and
 * are retried in every case.
 *
 * <p><b>Administration.</b> {@link #addLearner}, {@link #promote} and {@link #remove} append a
 * configuration entry: they route and fail like a sessionless propose (outcome unknown once sent
 * without a definite answer), and are not de-duplicated. They and {@link #transferLeadership} fail
 * with {@link Kind#REFUSED} when the leader declines in the cluster's current state (nothing took
 * effect; retry later). {@link #status()} asks one given server, never the leader it names.
 *
 * <p><b>Threading.</b> Thread-safe. The client owns one I/O thread (a one-loop Netty group); all
 * routing state lives on it, so nothing is locked. Returned futures complete on that thread: keep
 * their callbacks short and non-blocking, or attach them with {@code thenApplyAsync} and friends on
 * an executor of your own. The {@code *Sync} methods block the calling thread and refuse to run on
 * any Netty event loop. Many requests may be in flight on one connection (pipelining), up to {@link
 * RaftClientOptions#maxPendingRequests()} per client; beyond it requests fail UNAVAILABLE at once.
 */
public final class RaftClient implements AutoCloseable {
  private final RaftClientOptions options;
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final JvmResolverGroup resolver;
  private final ClientDispatcher dispatcher;

  /** Random, non-zero; identifies this client's proposes for de-duplication. */
  private final long clientId;

  /** Last propose sequence number handed out without a session; the first propose gets 1. */
  private final AtomicLong sequence = new AtomicLong();

  private final CallSubmitter calls;

  /** Proposes in an exactly-once session; null without sessions. */
  private final SessionProposer sessions;

  private RaftClient(RaftClientOptions options) {
    this.options = options;
    SecureRandom random = new SecureRandom();
    long id;
    do {
      id = random.nextLong();
    } while (id == 0);
    this.clientId = id;
    // Native epoll where Linux offers it (fewer system calls per request), NIO elsewhere.
    boolean epoll = Epoll.isAvailable();
    this.group =
        new MultiThreadIoEventLoopGroup(
            1,
            new DefaultThreadFactory("raft-client", true),
            epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    this.loop = group.next();
    // Resolves host names as the JVM does, on every connect, without blocking the loop (IP
    // literals need no lookup at all).
    this.resolver = new JvmResolverGroup("raft-client-dns");
    Bootstrap bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
            .resolver(resolver)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()));
    try {
      this.dispatcher = new ClientDispatcher(loop, bootstrap, options, random.nextLong());
    } catch (RuntimeException e) { // a TLS file that cannot be used: nothing is left running
      resolver.close();
      group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
      throw e;
    }
    this.calls = new CallSubmitter(loop, dispatcher, options.maxPendingRequests());
    this.sessions = options.sessions() ? new SessionProposer(clientId, calls) : null;
  }

  /** A client with default options for servers given as "host:port" client addresses. */
  public static RaftClient connect(String... servers) {
    return create(RaftClientOptions.builder(List.of(servers)).build());
  }

  public static RaftClient create(RaftClientOptions options) {
    return new RaftClient(Objects.requireNonNull(options, "options"));
  }

  /** The id sent with every propose; random and non-zero. */
  public long clientId() {
    return clientId;
  }

  public RaftClientOptions options() {
    return options;
  }

  /**
   * Proposes a command; completes with the state machine's result once it is applied. Fails with a
   * {@link ClientException}; see the class comment for when the outcome is unknown.
   */
  public CompletableFuture<byte[]> propose(byte[] command) {
    Objects.requireNonNull(command, "command");
    if (command.length == 0) {
      return failed(Kind.BAD_REQUEST, "empty command");
    }
    CompletableFuture<byte[]> refused = calls.refuse();
    if (refused != null) {
      return refused;
    }
    if (sessions != null) {
      return sessions.propose(command); // exactly once (thesis §6.3)
    }
    Propose propose =
        Propose.newBuilder()
            .setClientId(clientId)
            .setSequence(sequence.incrementAndGet())
            .setCommand(ByteString.copyFrom(command))
            .build();
    return calls.submit(
        new ClientCall(Op.PROPOSE, ClientRequest.newBuilder().setPropose(propose).build()),
        CallSubmitter::applied);
  }

  /** Runs a read-only query on the state machine; completes with its answer. */
  public CompletableFuture<byte[]> query(byte[] query) {
    Objects.requireNonNull(query, "query");
    CompletableFuture<byte[]> refused = calls.refuse();
    if (refused != null) {
      return refused;
    }
    Query q = Query.newBuilder().setQuery(ByteString.copyFrom(query)).build();
    return calls.submit(
        new ClientCall(Op.QUERY, ClientRequest.newBuilder().setQuery(q).build()),
        CallSubmitter::applied);
  }

  /**
   * Adds server {@code id} to the cluster as a learner (it receives the log but does not vote);
   * completes with the index of the configuration entry once that entry is committed and applied on
   * the leader. {@code clientAddress} may be null or empty when the server takes no clients. Fails
   * BAD_REQUEST if the id is already a member or an address is not "host:port".
   */
  public CompletableFuture<Long> addLearner(long id, String peerAddress, String clientAddress) {
    return addLearner(id, peerAddress, clientAddress, null);
  }

  /**
   * As {@link #addLearner(long, String, String)}, also naming where the server serves HTTP
   * (metrics, health, status, dashboard); null or empty when it does not.
   */
  public CompletableFuture<Long> addLearner(
      long id, String peerAddress, String clientAddress, String httpAddress) {
    String client = clientAddress == null ? "" : clientAddress;
    String http = httpAddress == null ? "" : httpAddress;
    String bad = badId(id);
    if (bad == null) {
      bad = badAddress("peer address", peerAddress);
    }
    if (bad == null && !client.isEmpty()) {
      bad = badAddress("client address", client);
    }
    if (bad == null && !http.isEmpty()) {
      bad = badAddress("HTTP address", http);
    }
    if (bad != null) {
      return failed(Kind.BAD_REQUEST, bad);
    }
    ServerInfo member =
        ServerInfo.newBuilder()
            .setId(id)
            .setPeerAddress(peerAddress)
            .setClientAddress(client)
            .setHttpAddress(http)
            .build();
    return change(Admin.newBuilder().setAddLearner(member).build());
  }

  /**
   * Makes learner {@code id} a voter; completes with the configuration entry's index once applied
   * on the leader. Fails REFUSED while the learner has not caught up or another change is pending,
   * BAD_REQUEST if {@code id} is not a learner.
   */
  public CompletableFuture<Long> promote(long id) {
    String bad = badId(id);
    return bad != null
        ? failed(Kind.BAD_REQUEST, bad)
        : change(Admin.newBuilder().setPromote(id).build());
  }

  /**
   * Removes voter or learner {@code id}; completes with the configuration entry's index once
   * applied on the leader. Fails BAD_REQUEST for a non-member or the last voter.
   */
  public CompletableFuture<Long> remove(long id) {
    String bad = badId(id);
    return bad != null
        ? failed(Kind.BAD_REQUEST, bad)
        : change(Admin.newBuilder().setRemove(id).build());
  }

  /**
   * Asks the leader to hand leadership to voter {@code id} (thesis §3.10). Completes once the
   * leader has started the transfer, not once {@code id} leads: poll {@link #status()} for that.
   * Fails BAD_REQUEST if {@code id} is not a voter.
   */
  public CompletableFuture<Void> transferLeadership(long id) {
    String bad = badId(id);
    if (bad != null) {
      return failed(Kind.BAD_REQUEST, bad);
    }
    return admin(Op.TRANSFER, Admin.newBuilder().setTransferLeader(id).build(), r -> null);
  }

  /**
   * The status of the <b>first</b> server in {@link RaftClientOptions#servers()}, as that server
   * sees itself (its role, term, log and configuration; on the leader also every member's
   * replication progress). Never redirected and never sent to another server: to ask several
   * servers, use one client per server. Retried on that server like a query until the deadline.
   */
  public CompletableFuture<NodeStatus> status() {
    return admin(
        Op.STATUS,
        Admin.newBuilder().setStatus(StatusRequest.getDefaultInstance()).build(),
        r -> r.getAdmin().getStatus());
  }

  /**
   * Has the <b>first</b> server in {@link RaftClientOptions#servers()} snapshot its state machine
   * and compact its log now; completes with the snapshot's index once it is durable. Never
   * redirected: to snapshot several servers, use one client per server.
   */
  public CompletableFuture<Long> snapshot() {
    return admin(
        Op.SNAPSHOT,
        Admin.newBuilder().setSnapshot(SnapshotRequest.getDefaultInstance()).build(),
        r -> r.getAdmin().getIndex());
  }

  /**
   * One step of a backup from the <b>first</b> server in {@link RaftClientOptions#servers()} (never
   * redirected: the chunks of one snapshot must come from the server that took it). With index 0
   * the server confirms with the leader that it has applied everything committed before the call
   * (ReadIndex), takes a snapshot, and answers with its first chunk and metadata; then ask for
   * (index, term, offset) in turn until offset reaches the size. At most maxBytes per chunk (0: as
   * the server's {@code raft.snapshot.chunk-size}). Fails REFUSED when the server no longer holds
   * the snapshot (start again), UNAVAILABLE when it knows no leader. {@link BackupFile} writes and
   * reads the file such chunks make.
   */
  public CompletableFuture<BackupChunk> backupChunk(
      long index, long term, long offset, int maxBytes) {
    if (index < 0 || term < 0 || offset < 0 || maxBytes < 0) {
      return failed(
          Kind.BAD_REQUEST,
          "backup chunk: negative index, term, offset or size ("
              + index
              + ", "
              + term
              + ", "
              + offset
              + ", "
              + maxBytes
              + ")");
    }
    BackupRequest request =
        BackupRequest.newBuilder()
            .setIndex(index)
            .setTerm(term)
            .setOffset(offset)
            .setMaxBytes(maxBytes)
            .build();
    return admin(
        Op.BACKUP, Admin.newBuilder().setBackup(request).build(), r -> r.getAdmin().getBackup());
  }

  /** {@link #propose}, waiting on the calling thread. Not allowed on a Netty event loop. */
  public byte[] proposeSync(byte[] command) throws InterruptedException {
    refuseEventLoop();
    return await(propose(command));
  }

  /** {@link #query}, waiting on the calling thread. Not allowed on a Netty event loop. */
  public byte[] querySync(byte[] query) throws InterruptedException {
    refuseEventLoop();
    return await(query(query));
  }

  /**
   * Fails pending requests with CLOSED, closes the connections and stops the I/O thread, waiting
   * for it briefly unless called on an event loop. Idempotent.
   */
  @Override
  public void close() {
    if (!calls.close()) {
      return;
    }
    try {
      loop.execute(dispatcher::close);
    } catch (RejectedExecutionException e) {
      // already shutting down
    }
    io.netty.util.concurrent.Future<?> stopped = group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    if (ThreadExecutorMap.currentExecutor() == null) {
      stopped.awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    resolver.close();
  }

  /** The presumed leader's address, or null when unknown; read on the I/O thread. For tests. */
  CompletableFuture<String> knownLeader() {
    return CompletableFuture.supplyAsync(dispatcher::leader, loop);
  }

  private CompletableFuture<Long> change(Admin admin) {
    return admin(Op.CHANGE, admin, r -> r.getAdmin().getIndex());
  }

  private <T> CompletableFuture<T> admin(Op op, Admin admin, Function<ClientResponse, T> result) {
    CompletableFuture<T> refused = calls.refuse();
    if (refused != null) {
      return refused;
    }
    return calls.submit(
        new ClientCall(op, ClientRequest.newBuilder().setAdmin(admin).build()), result);
  }

  private <T> T await(CompletableFuture<T> future) throws InterruptedException {
    // Every request fails at its deadline; the margin only guards against a stopped loop.
    long waitMs = options.requestTimeout().toMillis() + 10_000;
    try {
      return future.get(waitMs, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ClientException ce) {

        throw new ClientException(ce.kind(), ce.getMessage(), ce); // with the caller's stack
      }
      throw new ClientException(Kind.SERVER_ERROR_OUTCOME_UNKNOWN, String.valueOf(cause), cause);
    } catch (TimeoutException e) {
      throw new ClientException(
          Kind.TIMEOUT_OUTCOME_UNKNOWN,
          "no answer from the cluster within "
              + Durations.format(options.requestTimeout())
              + " (client I/O thread stalled)");
    }
  }

  private static void refuseEventLoop() {
    if (ThreadExecutorMap.currentExecutor() != null) {
      throw new IllegalStateException(
          "blocking RaftClient call on a Netty event loop; use propose()/query() instead");
    }
  }

  /** Why {@code id} cannot name a server (ids are positive), or null. */
  private static String badId(long id) {
    return id > 0 ? null : "node id must be positive, got " + id;
  }

  /** Why {@code address} is not "host:port", or null. */
  private static String badAddress(String what, String address) {
    try {
      HostPort.parse(address);
      return null;
    } catch (IllegalArgumentException e) {
      return what + ": " + e.getMessage();
    }
  }
}
