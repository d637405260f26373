package io.raftjvm.client;

import static io.raftjvm.client.FakeServers.bytes;
import static io.raftjvm.client.FakeServers.deadAddress;
import static io.raftjvm.client.FakeServers.error;
import static io.raftjvm.client.FakeServers.registered;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.ClientException.Kind;
import io.raftjvm.client.FakeServers.Fake;
import io.raftjvm.client.proto.ClientError;
import io.raftjvm.client.proto.ClientResponse;
import io.raftjvm.client.proto.NotLeader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a client is told when a propose may have reached a server and no definite answer came: it
 * ends in success or outcome-unknown, never "failed", whatever its later attempts meet (refused
 * connections, servers that know no leader, the deadline, the retry limit, closing the client). And
 * the converse: definite answers still end as certain failures.
 */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientOutcomesIT {
  private final FakeServers fakes = new FakeServers();
  private final List<RaftClient> clients = new ArrayList<>();

  @AfterEach
  void tearDown() {
    clients.forEach(RaftClient::close);
    fakes.close();
  }

  /** A leader that opens sessions and dies as soon as a propose reaches it, never answering. */
  private Fake dyingLeader() throws InterruptedException {
    Fake[] self = new Fake[1];
    self[0] =
        fakes.start(
            new Fake(
                request -> {
                  if (request.hasRegisterSession()) return registered(7);
                  self[0].kill();
                  return null;
                }));
    return self[0];
  }

  private static ClientResponse noLeader() {
    return ClientResponse.newBuilder().setNotLeader(NotLeader.getDefaultInstance()).build();
  }

  @Test
  void aSessionProposeSentToALeaderThatDiesEndsUnknownAtTheDeadlineNotFailed() throws Exception {
    Fake leader = dyingLeader();
    Fake follower = fakes.start(new Fake(r -> noLeader()));
    RaftClient client =
        client(
            RaftClientOptions.builder(List.of(leader.address, follower.address, deadAddress()))
                .requestTimeout(Duration.ofSeconds(2)));

    ClientException e = assertThrows(ClientException.class, () -> client.proposeSync(bytes("add")));

    assertEquals(Kind.TIMEOUT_OUTCOME_UNKNOWN, e.kind(), e::getMessage);
    assertTrue(e.outcomeUnknown());
    assertTrue(
        e.getMessage()
            .contains(
                "an earlier attempt was sent, and the propose may or may not have been"
                    + " applied"),
        e.getMessage());
    assertEquals(1, leader.proposes.get());
    assertTrue(follower.proposes.get() > 0, "later attempts met a server without a leader");
  }

  @Test
  void theRetryLimitDoesNotTurnAnUndecidedProposeIntoAFailure() throws Exception {
    Fake leader = dyingLeader();
    Fake follower = fakes.start(new Fake(r -> noLeader()));
    RaftClient client =
        client(
            RaftClientOptions.builder(List.of(leader.address, follower.address))
                .requestTimeout(Duration.ofSeconds(30))
                .maxRetries(4));

    ClientException e = assertThrows(ClientException.class, () -> client.proposeSync(bytes("add")));

    assertEquals(Kind.TIMEOUT_OUTCOME_UNKNOWN, e.kind(), e::getMessage);
    assertTrue(e.getMessage().contains("gave up after 4 retries"), e.getMessage());
  }

  @Test
  void leadershipLostThenNoLeaderEndsUnknown() throws Exception {
    AtomicInteger proposes = new AtomicInteger();
    Fake server =
        fakes.start(
            new Fake(
                request ->
                    request.hasRegisterSession()
                        ? registered(7)
                        : proposes.incrementAndGet() == 1
                            ? error(
                                ClientError.Code.LEADERSHIP_LOST, "stepped down; may still commit")
                            : noLeader()));
    RaftClient client = client(RaftClientOptions.builder(List.of(server.address)).maxRetries(3));

    ClientException e = assertThrows(ClientException.class, () -> client.proposeSync(bytes("add")));

    assertEquals(Kind.TIMEOUT_OUTCOME_UNKNOWN, e.kind(), e::getMessage);
    assertEquals(4, proposes.get(), "retried with its session");
  }

  /** The converse: attempts that were all answered definitely leave a certain failure. */
  @Test
  void definiteAnswersToEveryAttemptEndAsACertainFailure() throws Exception {
    Fake server =
        fakes.start(new Fake(request -> request.hasRegisterSession() ? registered(7) : noLeader()));
    Fake busy =
        fakes.start(
            new Fake(request -> error(ClientError.Code.UNAVAILABLE, "too many uncommitted bytes")));
    RaftClient client =
        client(RaftClientOptions.builder(List.of(server.address, busy.address)).maxRetries(5));

    ClientException e = assertThrows(ClientException.class, () -> client.proposeSync(bytes("add")));

    assertFalse(e.outcomeUnknown(), e::toString);
    assertTrue(server.proposes.get() > 0 && busy.proposes.get() > 0);
  }

  @Test
  void aMembershipChangeWhoseLeaderDiesIsOutcomeUnknown() throws Exception {
    Fake leader = dyingLeader();
    RaftClient client = client(RaftClientOptions.builder(List.of(leader.address, deadAddress())));

    ExecutionException e =
        assertThrows(ExecutionException.class, () -> client.remove(3).get(30, TimeUnit.SECONDS));

    assertEquals(Kind.CONNECTION_LOST_OUTCOME_UNKNOWN, ((ClientException) e.getCause()).kind());
  }

  @Test
  void closingTheClientWhileAChangeIsInFlightIsOutcomeUnknown() throws Exception {
    Fake silent = fakes.start(new Fake(request -> null));
    RaftClient client = client(RaftClientOptions.builder(List.of(silent.address)));
    CompletableFuture<Long> change = client.promote(4);
    FakeServers.await(() -> silent.seen.size() == 1, "the change reaches the server");

    client.close();

    ExecutionException e =
        assertThrows(ExecutionException.class, () -> change.get(30, TimeUnit.SECONDS));
    assertEquals(Kind.CLOSED_OUTCOME_UNKNOWN, ((ClientException) e.getCause()).kind());
  }

  /** A propose never sent, because no session could be opened, certainly did not apply. */
  @Test
  void aProposeThatNeverLeftBecauseNoSessionOpenedIsACertainFailure() throws Exception {
    Fake silent = fakes.start(new Fake(request -> null));
    RaftClient client =
        client(
            RaftClientOptions.builder(List.of(silent.address))
                .requestTimeout(Duration.ofSeconds(1))
                .attemptTimeout(Duration.ofMillis(200)));

    ClientException e = assertThrows(ClientException.class, () -> client.proposeSync(bytes("add")));

    assertEquals(Kind.UNAVAILABLE, e.kind(), e::getMessage);
    assertTrue(
        e.getMessage().startsWith("no session could be opened, so the command was not sent"),
        e.getMessage());
    assertEquals(0, silent.proposes.get());
  }

  @Test
  void aCommandTooLargeForAServerFailsAtOnceUnsent() throws Exception {
    Fake leader = fakes.start(Fake.leader());
    RaftClient client =
        client(RaftClientOptions.builder(List.of(leader.address)).maxRequestBytes(1024));

    ClientException e =
        assertThrows(ClientException.class, () -> client.proposeSync(new byte[1024]));

    assertEquals(Kind.BAD_REQUEST, e.kind());
    assertTrue(e.getMessage().contains("over the 1024 bytes a request may have"), e.getMessage());
    assertEquals(0, leader.proposes.get());
    assertEquals("dda", FakeServers.utf8(client.proposeSync(bytes("add"))));
  }

  private RaftClient client(RaftClientOptions.Builder options) {
    RaftClient client = RaftClient.create(options.build());
    clients.add(client);
    return client;
  }
}
