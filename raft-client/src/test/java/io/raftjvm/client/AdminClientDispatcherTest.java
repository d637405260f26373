package io.raftjvm.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.embedded.EmbeddedChannel;
import io.raftjvm.client.ClientCall.Op;
import io.raftjvm.client.ClientException.Kind;
import io.raftjvm.client.proto.Admin;
import io.raftjvm.client.proto.AdminResult;
import io.raftjvm.client.proto.ClientError;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import io.raftjvm.client.proto.NodeStatus;
import io.raftjvm.client.proto.NotLeader;
import io.raftjvm.client.proto.StatusRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How the dispatcher settles admin requests from the server's answer, fed in directly on an
 * embedded loop that never runs its scheduled tasks (no sockets, no clock).
 */
class AdminClientDispatcherTest {
  private static final String S1 = "127.0.0.1:7201";
  private static final long ID = 7;

  private final EmbeddedChannel channel = new EmbeddedChannel();
  private final ClientDispatcher dispatcher =
      new ClientDispatcher(
          channel.eventLoop(),
          new Bootstrap(),
          RaftClientOptions.builder(List.of(S1, "127.0.0.1:7202")).build(),
          1);
  private final ClientConnection conn =
      new ClientConnection(dispatcher, S1, new Bootstrap(), 1024, null, null);

  @AfterEach
  void tearDown() {
    channel.close();
  }

  @Test
  void adminResultCompletesAChangeAndMarksTheLeader() {
    ClientCall call = sent(Op.CHANGE, Admin.newBuilder().setPromote(4).build());
    ClientResponse answer = response(r -> r.setAdmin(AdminResult.newBuilder().setIndex(812)));

    dispatcher.answered(call, conn, answer);

    assertSame(answer, outcome(call).join());
    assertEquals(S1, dispatcher.leader());
  }

  @Test
  void statusAnswerDoesNotMarkTheLeader() {
    ClientCall call = sent(Op.STATUS, status());
    NodeStatus status = NodeStatus.newBuilder().setId(1).setRole("FOLLOWER").build();

    dispatcher.answered(
        call, conn, response(r -> r.setAdmin(AdminResult.newBuilder().setStatus(status))));

    assertEquals(status, outcome(call).join().getAdmin().getStatus());
    assertNull(dispatcher.leader());
  }

  @Test
  void refusedFailsAtOnceWithNothingDone() {
    ClientCall call = sent(Op.CHANGE, Admin.newBuilder().setPromote(4).build());

    dispatcher.answered(call, conn, error(ClientError.Code.REFUSED, "learner 4 is behind"));

    ClientException e = failure(call);
    assertEquals(Kind.REFUSED, e.kind());
    assertFalse(e.outcomeUnknown());
    assertEquals(S1 + " answered REFUSED: learner 4 is behind", e.getMessage());
  }

  @Test
  void changeTimingOutOnTheServerIsOutcomeUnknown() {
    ClientCall call = sent(Op.CHANGE, Admin.newBuilder().setRemove(3).build());

    dispatcher.answered(call, conn, error(ClientError.Code.TIMEOUT, "not committed in time"));

    ClientException e = failure(call);
    assertEquals(Kind.TIMEOUT_OUTCOME_UNKNOWN, e.kind());
    assertEquals(
        S1
            + " answered TIMEOUT: not committed in time (the membership change may or"
            + " may not have taken effect)",
        e.getMessage());
  }

  @Test
  void changeLosingLeadershipIsOutcomeUnknown() {
    ClientCall call = sent(Op.CHANGE, Admin.newBuilder().setRemove(3).build());

    dispatcher.answered(call, conn, error(ClientError.Code.LEADERSHIP_LOST, "stepped down"));

    assertEquals(Kind.LEADERSHIP_LOST_OUTCOME_UNKNOWN, failure(call).kind());
  }

  @Test
  void changeWhoseConnectionBreaksAfterTheWriteIsOutcomeUnknown() {
    ClientCall call = sent(Op.CHANGE, Admin.newBuilder().setRemove(3).build());

    dispatcher.lost(call, ID, conn);

    ClientException e = failure(call);
    assertEquals(Kind.CONNECTION_LOST_OUTCOME_UNKNOWN, e.kind());
    assertEquals(
        "connection to "
            + S1
            + " lost after the membership change was sent; it may or"
            + " may not have taken effect",
        e.getMessage());
  }

  @Test
  void transferTimingOutIsRetriedLikeAQuery() {
    ClientCall call = sent(Op.TRANSFER, Admin.newBuilder().setTransferLeader(2).build());

    dispatcher.answered(call, conn, error(ClientError.Code.TIMEOUT, "busy"));

    assertFalse(call.isDone());
    assertEquals(1, call.retries);
    call.cancel(); // the scheduled retry then does nothing
  }

  @Test
  void statusIsNeverRedirected() {
    ClientCall call = sent(Op.STATUS, status());

    dispatcher.answered(
        call,
        conn,
        response(
            r ->
                r.setNotLeader(
                    NotLeader.newBuilder().setLeaderId(2).setLeaderAddress("127.0.0.1:7202"))));

    assertEquals(Kind.UNAVAILABLE, failure(call).kind());
    assertNull(dispatcher.leader());
  }

  @Test
  void adminAnswerToAProposeIsAnError() {
    ClientCall call = call(Op.PROPOSE, ClientRequest.getDefaultInstance());
    inFlight(call);

    dispatcher.answered(call, conn, response(r -> r.setAdmin(AdminResult.getDefaultInstance())));

    ClientException e = failure(call);
    assertEquals(Kind.SERVER_ERROR_OUTCOME_UNKNOWN, e.kind());
    assertTrue(
        e.getMessage().endsWith("the propose may or may not have been applied"), e.getMessage());
  }

  @Test
  void clientRejectsBadIdsAndAddressesWithoutSending() {
    try (RaftClient client = RaftClient.connect(S1)) {
      assertEquals("node id must be positive, got 0", badRequest(client.promote(0)).getMessage());
      assertEquals(
          "node id must be positive, got -1",
          badRequest(client.transferLeadership(-1)).getMessage());
      assertEquals(
          "peer address: expected host:port, but 'nohost' has no port",
          badRequest(client.addLearner(4, "nohost", null)).getMessage());
      assertEquals(
          "client address: expected host:port, but 'h:0' has a port outside 1-65535",
          badRequest(client.addLearner(4, "h:7104", "h:0")).getMessage());
    }
  }

  private static ClientException badRequest(CompletableFuture<?> f) {
    CompletionException e = assertThrows(CompletionException.class, f::join);
    ClientException ce = (ClientException) e.getCause();
    assertEquals(Kind.BAD_REQUEST, ce.kind());
    return ce;
  }

  private ClientCall sent(Op op, Admin admin) {
    ClientCall call = call(op, ClientRequest.newBuilder().setAdmin(admin).build());
    inFlight(call);
    return call;
  }

  /** Outcomes of the calls made by {@link #call}, as futures. */
  private final Map<ClientCall, CompletableFuture<ClientResponse>> outcomes = new HashMap<>();

  private ClientCall call(Op op, ClientRequest request) {
    ClientCall call = new ClientCall(op, request);
    CompletableFuture<ClientResponse> f = new CompletableFuture<>();
    call.onOutcome(
        (response, failure) -> {
          if (failure != null) f.completeExceptionally(failure);
          else f.complete(response);
        });
    outcomes.put(call, f);
    return call;
  }

  private CompletableFuture<ClientResponse> outcome(ClientCall call) {
    return outcomes.get(call);
  }

  /** As if the call's current attempt had been written to conn. */
  private void inFlight(ClientCall call) {
    call.requestId = ID;
    call.connection = conn;
    call.written = true;
  }

  private static Admin status() {
    return Admin.newBuilder().setStatus(StatusRequest.getDefaultInstance()).build();
  }

  private static ClientResponse error(ClientError.Code code, String message) {
    return response(r -> r.setError(ClientError.newBuilder().setCode(code).setMessage(message)));
  }

  private static ClientResponse response(java.util.function.Consumer<ClientResponse.Builder> body) {
    ClientResponse.Builder b = ClientResponse.newBuilder().setRequestId(ID);
    body.accept(b);
    return b.build();
  }

  private ClientException failure(ClientCall call) {
    CompletionException e = assertThrows(CompletionException.class, outcome(call)::join);
    return (ClientException) e.getCause();
  }
}
