package io.raftjvm.server;

import com.google.protobuf.ByteString;
import io.raftjvm.client.HostPort;
import io.raftjvm.client.proto.Admin;
import io.raftjvm.client.proto.AdminResult;
import io.raftjvm.client.proto.Applied;
import io.raftjvm.client.proto.ClientError;
import io.raftjvm.client.proto.ClientHello;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import io.raftjvm.client.proto.NotLeader;
import io.raftjvm.client.proto.Propose;
import io.raftjvm.client.proto.ServerInfo;
import io.raftjvm.core.ConfChangeRejectedException;
import io.raftjvm.core.ConfChanges;
import io.raftjvm.core.NotLeaderException;
import io.raftjvm.proto.ConfChange;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Member;
import io.raftjvm.runtime.Callback;
import io.raftjvm.runtime.NodeDriver;
import io.raftjvm.runtime.Proposal;
import io.raftjvm.runtime.ProposalFailedException;
import io.raftjvm.statemachine.StateMachine;
import io.raftjvm.transport.ClientService;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * Serves client requests from this node: proposals go through Raft (a follower answers with the
 * leader's client address), results come back when the entry is applied here.
 *
 * <p>Queries are linearizable (ReadIndex, thesis §6.4): served by whichever server receives them,
 * leader or follower, once it has applied everything committed before the query arrived, as
 * confirmed by the leader's heartbeat round; nothing is written to the log. A local query is
 * answered at once by whichever replica receives it, from its own state: possibly stale.
 */
final class NodeClientService implements ClientService {
  private final NodeDriver driver;
  private final StateMachine stateMachine;
  private final Map<Long, ClusterMember> members;
  private final Duration timeout;

  /** Counts answers by outcome; null when metrics are off. */
  private final NodeMetrics metrics;

  /** Whether admin operations need a certificate naming raft://<cluster-id>/admin. */
  private volatile boolean adminCertificateRequired;

  /** Serves backups; null until set (then backups are refused). */
  private volatile BackupSource backups;

  /** Where backup chunks come from. */
  void backups(BackupSource source) {
    this.backups = source;
  }

  /** With client certificates required, admin operations other than status need the admin role. */
  void requireAdminCertificate() {
    this.adminCertificateRequired = true;
  }

  @Override
  public String refuseAdmin(Admin admin, java.security.cert.X509Certificate cert) {
    if (!adminCertificateRequired || admin.getOpCase() == Admin.OpCase.STATUS) return null;
    if (cert != null && io.raftjvm.client.tls.RaftIdentity.isAdmin(cert, clusterId)) return null;
    // A server adding itself (raft.auto-join): a node's certificate adds and promotes its own id.
    long self =
        switch (admin.getOpCase()) {
          case ADD_LEARNER -> admin.getAddLearner().getId();
          case PROMOTE -> admin.getPromote();
          default -> 0;
        };
    if (cert != null
        && self != 0
        && io.raftjvm.client.tls.RaftIdentity.namesNode(cert, clusterId, self)) return null;
    return admin.getOpCase().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
        + " needs a client certificate naming "
        + io.raftjvm.client.tls.RaftIdentity.adminUri(clusterId)
        + "; this client presented "
        + (cert == null ? "none" : io.raftjvm.client.tls.RaftIdentity.describe(cert));
  }

  @Override
  public void answered(ClientResponse response) {
    if (metrics != null) metrics.answered(response);
  }

  NodeClientService(
      NodeDriver driver,
      StateMachine stateMachine,
      Map<Long, ClusterMember> members,
      Duration timeout,
      String clusterId,
      String stateMachineName,
      NodeMetrics metrics) {
    this.metrics = metrics;
    this.clusterId = clusterId;
    this.stateMachineName = stateMachineName;
    this.driver = driver;
    this.stateMachine = stateMachine;
    this.members = members;
    this.timeout = timeout;
  }

  /** What a client's hello must match (when it names them). */
  private final String clusterId;

  private final String stateMachineName;

  @Override
  public String refuse(ClientHello hello) {
    if (!hello.getClusterId().isEmpty() && !hello.getClusterId().equals(clusterId)) {
      return "this server belongs to cluster '"
          + clusterId
          + "', not '"
          + hello.getClusterId()
          + "'";
    }
    if (!hello.getStateMachine().isEmpty() && !hello.getStateMachine().equals(stateMachineName)) {
      return "this cluster runs state machine '"
          + stateMachineName
          + "', not '"
          + hello.getStateMachine()
          + "'";
    }
    return null;
  }

  /** The connection times proposals, registrations and queries out (admin requests: here). */
  @Override
  public Duration requestTimeout() {
    return timeout;
  }

  @Override
  public ClientResponse timedOut(long requestId) {
    return error(
        ClientResponse.newBuilder().setRequestId(requestId),
        ClientError.Code.TIMEOUT,
        "not applied within " + timeout.toMillis() + " ms; it may still take effect");
  }

  /**
   * Proposes answer from the apply thread through one callback each, linearizable queries through
   * one stage on the read's future (the answer is built there); the other requests go through
   * {@link #handle(ClientRequest)}.
   */
  @Override
  public void handle(ClientRequest request, BiConsumer<ClientResponse, Throwable> answer) {
    long id = request.getRequestId();
    if (request.getBodyCase() == ClientRequest.BodyCase.QUERY && !request.getQuery().getLocal()) {
      driver
          .read(request.getQuery().getQuery().toByteArray())
          .whenComplete((r, t) -> answer.accept(read(id, r, t), null));
      return;
    }
    if (request.getBodyCase() != ClientRequest.BodyCase.PROPOSE) {
      ClientService.super.handle(request, answer);
      return;
    }
    Propose propose = request.getPropose();
    Callback<Proposal> done = (p, t) -> answer.accept(proposed(id, p, t), null);
    if (propose.getSession() != 0) {
      driver.proposeInSession(
          propose.getSession(),
          propose.getSequence(),
          propose.getFirstUnacked(),
          propose.getCommand(),
          done);
    } else {
      driver.propose(propose.getCommand(), done);
    }
  }

  /** The answer to propose id: applied as p, or failed with t. */
  private ClientResponse proposed(long id, Proposal p, Throwable t) {
    ClientResponse.Builder out = ClientResponse.newBuilder().setRequestId(id);
    return t == null
        ? out.setApplied(
                Applied.newBuilder().setIndex(p.index()).setResult(ByteString.copyFrom(p.result())))
            .build()
        : failure(out, t);
  }

  /** The answer to linearizable query id: read as r, or failed with t. */
  private ClientResponse read(long id, byte[] r, Throwable t) {
    ClientResponse.Builder out = ClientResponse.newBuilder().setRequestId(id);
    return t == null
        ? out.setApplied(
                Applied.newBuilder()
                    .setIndex(driver.appliedIndex())
                    .setResult(ByteString.copyFrom(r)))
            .build()
        : failure(out, t);
  }

  /** What {@link #handle(ClientRequest, BiConsumer)} answers a propose or read, as a future. */
  private CompletableFuture<ClientResponse> answered(ClientRequest request) {
    CompletableFuture<ClientResponse> f = new CompletableFuture<>();
    handle(request, (r, t) -> f.complete(r)); // proposed() and read() turn failures into answers
    return f;
  }

  @Override
  public CompletableFuture<ClientResponse> handle(ClientRequest request) {
    ClientResponse.Builder out = ClientResponse.newBuilder().setRequestId(request.getRequestId());
    return switch (request.getBodyCase()) {
      case REGISTER_SESSION ->
          driver
              .registerSession()
              .handle(
                  (index, t) ->
                      t == null
                          ? out.setApplied(Applied.newBuilder().setIndex(index)).build()
                          : failure(out, t));
      case PROPOSE -> answered(request);
      case QUERY ->
          request.getQuery().getLocal()
              ? CompletableFuture.completedFuture(
                  query(out, request.getQuery().getQuery().toByteArray()))
              : answered(request);
      case ADMIN -> admin(out, request.getAdmin());
      case BODY_NOT_SET, HELLO ->
          CompletableFuture.completedFuture(
              error(
                  out,
                  ClientError.Code.BAD_REQUEST,
                  "request has no propose, query or admin body"));
    };
  }

  /** Operator requests: membership changes and transfer on the leader, status anywhere. */
  private CompletableFuture<ClientResponse> admin(ClientResponse.Builder out, Admin admin) {
    ConfChange change;
    switch (admin.getOpCase()) {
      case STATUS -> {
        if (driver.failure() != null) {
          // Stopped for good: what it published, with the failure.
          return CompletableFuture.completedFuture(
              out.setAdmin(AdminResult.newBuilder().setStatus(AdminStatus.of(driver))).build());
        }
        return driver
            .status()
            .handle(
                (st, t) ->
                    t == null
                        ? out.setAdmin(
                                AdminResult.newBuilder().setStatus(AdminStatus.of(st, driver)))
                            .build()
                        : failure(out, t));
      }
      case SNAPSHOT -> {
        return driver
            .snapshot()
            .handle(
                (index, t) ->
                    t == null
                        ? out.setAdmin(AdminResult.newBuilder().setIndex(index)).build()
                        : error(
                            out,
                            ClientError.Code.UNAVAILABLE,
                            "snapshot failed: "
                                + (t.getCause() != null ? t.getCause() : t).getMessage()));
      }
      case BACKUP -> {
        return backup(out, admin.getBackup());
      }
      case TRANSFER_LEADER -> {
        return driver
            .transferLeadership(admin.getTransferLeader())
            .handle(
                (v, t) ->
                    t == null
                        ? out.setAdmin(AdminResult.getDefaultInstance()).build()
                        : failure(out, t));
      }
      case ADD_LEARNER -> {
        ServerInfo m = admin.getAddLearner();
        try {
          HostPort.parse(m.getPeerAddress());
          if (!m.getClientAddress().isEmpty()) HostPort.parse(m.getClientAddress());
          if (!m.getHttpAddress().isEmpty()) HostPort.parse(m.getHttpAddress());
        } catch (IllegalArgumentException e) {
          return CompletableFuture.completedFuture(
              error(
                  out,
                  ClientError.Code.BAD_REQUEST,
                  "add-learner " + m.getId() + ": " + e.getMessage()));
        }
        change =
            ConfChanges.addLearner(
                m.getId(), m.getPeerAddress(), m.getClientAddress(), m.getHttpAddress());
      }
      case PROMOTE -> change = ConfChanges.promote(admin.getPromote());
      case REMOVE -> change = ConfChanges.remove(admin.getRemove());
      default -> {
        return CompletableFuture.completedFuture(
            error(out, ClientError.Code.BAD_REQUEST, "admin request has no operation"));
      }
    }
    return driver
        .changeMembership(change)
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (index, t) ->
                t == null
                    ? out.setAdmin(AdminResult.newBuilder().setIndex(index)).build()
                    : failure(out, t));
  }

  /**
   * A chunk of a backup. The first request waits for a read barrier and a snapshot; a node that
   * knows no leader answers NotLeader (the tool asks another server), a snapshot replaced meanwhile
   * REFUSED (the tool starts again).
   */
  private CompletableFuture<ClientResponse> backup(
      ClientResponse.Builder out, io.raftjvm.client.proto.BackupRequest request) {
    BackupSource source = backups;
    if (source == null) {
      return CompletableFuture.completedFuture(
          error(out, ClientError.Code.UNAVAILABLE, "this server serves no backups"));
    }
    return source
        .serve(request)
        .handle(
            (chunk, t) -> {
              if (t == null) return out.setAdmin(AdminResult.newBuilder().setBackup(chunk)).build();
              Throwable cause =
                  t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
              if (cause instanceof BackupSource.GoneException)
                return error(out, ClientError.Code.REFUSED, cause.getMessage());
              if (cause instanceof NotLeaderException
                  || cause instanceof ProposalFailedException
                  || cause instanceof IllegalArgumentException) return failure(out, cause);
              return error(
                  out,
                  ClientError.Code.UNAVAILABLE,
                  "backup failed on node " + driver.id() + ": " + cause.getMessage());
            });
  }

  /** A local query: this replica's own state, possibly stale (monitoring, checks). */
  private ClientResponse query(ClientResponse.Builder out, byte[] query) {
    Throwable failed = driver.failure();
    if (failed != null) {
      // Its state machine may be half-way through the batch it threw on: nothing is served.
      return error(
          out,
          ClientError.Code.UNAVAILABLE,
          "node "
              + driver.id()
              + " failed at "
              + java.time.Instant.ofEpochMilli(driver.failedAtMillis())
              + " ("
              + failed.getMessage()
              + ") and serves nothing until restarted");
    }
    try {
      return out.setApplied(
              Applied.newBuilder()
                  .setIndex(driver.appliedIndex())
                  .setResult(ByteString.copyFrom(stateMachine.query(query))))
          .build();
    } catch (RuntimeException e) {
      return error(out, ClientError.Code.BAD_REQUEST, "query failed: " + e.getMessage());
    }
  }

  private ClientResponse failure(ClientResponse.Builder out, Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (cause instanceof NotLeaderException e) return notLeader(out, e.leaderHint());
    if (cause instanceof ConfChangeRejectedException e) {
      return error(
          out,
          e.retryable() ? ClientError.Code.REFUSED : ClientError.Code.BAD_REQUEST,
          e.getMessage());
    }
    if (cause instanceof IllegalArgumentException e)
      return error(out, ClientError.Code.BAD_REQUEST, e.getMessage());
    if (cause instanceof TimeoutException) {
      return error(
          out,
          ClientError.Code.TIMEOUT,
          "not applied within " + timeout.toMillis() + " ms; it may still take effect");
    }
    if (cause instanceof ProposalFailedException e) {
      ClientError.Code code =
          switch (e.kind()) {
            case LEADERSHIP_LOST -> ClientError.Code.LEADERSHIP_LOST;
            case UNAVAILABLE -> ClientError.Code.UNAVAILABLE;
            case APPLY_FAILED -> ClientError.Code.APPLY_FAILED;
            case SESSION_EXPIRED -> ClientError.Code.SESSION_EXPIRED;
          };
      return error(out, code, e.getMessage());
    }
    return error(out, ClientError.Code.UNKNOWN, String.valueOf(cause));
  }

  private ClientResponse notLeader(ClientResponse.Builder out, long leaderId) {
    NotLeader.Builder nl = NotLeader.newBuilder().setLeaderId(leaderId);
    // The configuration in the log knows members added since this server's config file was written.
    ConfState conf = driver.confState();
    Member inLog = conf == null ? null : ConfChanges.member(conf, leaderId);
    ClusterMember configured = members.get(leaderId);
    if (inLog != null && !inLog.getClientAddress().isEmpty())
      nl.setLeaderAddress(inLog.getClientAddress());
    else if (configured != null) nl.setLeaderAddress(HostPort.format(configured.clientAddress()));
    return out.setNotLeader(nl).build();
  }

  private static ClientResponse error(
      ClientResponse.Builder out, ClientError.Code code, String message) {
    return out.setError(ClientError.newBuilder().setCode(code).setMessage(message)).build();
  }
}
