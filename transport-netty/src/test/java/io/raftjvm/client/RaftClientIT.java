package io.raftjvm.client;

import static io.raftjvm.client.FakeServers.applied;
import static io.raftjvm.client.FakeServers.bytes;
import static io.raftjvm.client.FakeServers.deadAddress;
import static io.raftjvm.client.FakeServers.error;
import static io.raftjvm.client.FakeServers.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.FakeServers.Fake;
import io.raftjvm.client.proto.Applied;
import io.raftjvm.client.proto.ClientError;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RaftClient against fake servers on real loopback sockets ({@link FakeServers}) whose services
 * play a leader (answers a propose with the command reversed) or followers (NotLeader naming the
 * leader's client address). Waits on conditions and futures, never on fixed sleeps.
 */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RaftClientIT {
  private final FakeServers fakes = new FakeServers();
  private final List<RaftClient> clients = new ArrayList<>();

  @AfterEach
  void tearDown() {
    clients.forEach(RaftClient::close);
    fakes.close();
  }

  @Test
  void startedWithOnlyAFollowerItReachesTheLeaderByRedirect() throws Exception {
    Fake leader = start(Fake.leader());
    Fake follower = start(Fake.follower(leader.address));
    start(Fake.follower(leader.address));
    RaftClient client = client(options(follower.address));

    assertEquals("cba", utf8(client.proposeSync(bytes("abc"))));
    assertEquals(1, follower.proposes.get());
    assertEquals("q:x", utf8(client.querySync(bytes("x"))));
    assertEquals("fed", utf8(client.proposeSync(bytes("def"))));
    assertEquals(1, follower.proposes.get(), "the leader, once known, is asked directly");
    assertEquals(2, leader.proposes.get());
  }

  @Test
  void aLeaderThatMovesIsFollowed() throws Exception {
    Fake oldLeader = start(Fake.leader());
    Fake f1 = start(Fake.follower(oldLeader.address));
    Fake f2 = start(Fake.follower(oldLeader.address));
    RaftClient client = client(options(f1.address, f2.address));
    assertEquals("1", utf8(client.proposeSync(bytes("1"))));
    assertEquals(oldLeader.address, client.knownLeader().get());

    oldLeader.server.close();
    FakeServers.await(() -> client.knownLeader().join() == null, "client notices the lost leader");
    Fake newLeader = start(Fake.leader());
    f1.leaderAddress = newLeader.address;
    f2.leaderAddress = newLeader.address;

    assertEquals("21", utf8(client.proposeSync(bytes("12"))));
    assertEquals(1, newLeader.proposes.get());
    assertEquals(1, oldLeader.proposes.get());
    assertEquals(newLeader.address, client.knownLeader().get());
  }

  /**
   * Thesis §6.3: in a session, a propose whose outcome is unknown (TIMEOUT here) is sent again with
   * the same session and sequence, which the servers apply at most once.
   */
  @Test
  void inASessionAnUndecidedProposeIsRetriedWithTheSameSequence() throws Exception {
    List<ClientRequest> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    Fake server =
        start(
            new Fake(
                request -> {
                  seen.add(request);
                  if (request.hasRegisterSession()) {
                    return ClientResponse.newBuilder()
                        .setApplied(Applied.newBuilder().setIndex(42))
                        .build();
                  }
                  return seen.stream().filter(ClientRequest::hasPropose).count() == 1
                      ? error(ClientError.Code.TIMEOUT, "not committed within 2 s")
                      : applied("done");
                }));
    RaftClient client = client(RaftClientOptions.builder(List.of(server.address)));
    assertEquals("done", utf8(client.proposeSync(bytes("once"))));
    List<ClientRequest> proposes = seen.stream().filter(ClientRequest::hasPropose).toList();
    assertEquals(2, proposes.size());
    for (ClientRequest r : proposes) {
      assertEquals(42, r.getPropose().getSession());
      assertEquals(1, r.getPropose().getSequence());
    }
    assertEquals(1, seen.stream().filter(ClientRequest::hasRegisterSession).count());
  }

  /**
   * An expired session fails the propose (outcome unknown) and the next propose opens a new one.
   */
  @Test
  void anExpiredSessionIsReplacedForLaterProposes() throws Exception {
    AtomicInteger registrations = new AtomicInteger();
    AtomicInteger proposes = new AtomicInteger();
    Fake server =
        start(
            new Fake(
                request -> {
                  if (request.hasRegisterSession()) {
                    return ClientResponse.newBuilder()
                        .setApplied(
                            Applied.newBuilder().setIndex(100 + registrations.incrementAndGet()))
                        .build();
                  }
                  return proposes.incrementAndGet() == 1
                      ? error(ClientError.Code.SESSION_EXPIRED, "session 101 is unknown or expired")
                      : applied("s" + request.getPropose().getSession());
                }));
    RaftClient client = client(RaftClientOptions.builder(List.of(server.address)));
    ClientException e = assertThrows(ClientException.class, () -> client.proposeSync(bytes("a")));
    assertEquals(ClientException.Kind.SESSION_EXPIRED_OUTCOME_UNKNOWN, e.kind());
    assertTrue(e.outcomeUnknown());
    assertEquals("s102", utf8(client.proposeSync(bytes("b"))));
  }

  @Test
  void serverTimeoutIsOutcomeUnknownAndTheProposeIsNotRetried() throws Exception {
    AtomicInteger queryAttempts = new AtomicInteger();
    Fake slow =
        start(
            new Fake(
                request -> {
                  if (request.hasPropose()) {
                    return error(ClientError.Code.TIMEOUT, "not committed within 2 s");
                  }
                  return queryAttempts.incrementAndGet() == 1
                      ? error(ClientError.Code.TIMEOUT, "read index not confirmed")
                      : applied("q-ok");
                }));
    RaftClient client = client(options(slow.address));

    ClientException e =
        assertThrows(ClientException.class, () -> client.proposeSync(bytes("once")));
    assertEquals(ClientException.Kind.TIMEOUT_OUTCOME_UNKNOWN, e.kind());
    assertTrue(e.outcomeUnknown());
    assertTrue(e.getMessage().contains("may or may not have been applied"), e.getMessage());
    assertEquals(1, slow.proposes.get(), "an undecided propose is never resent");

    assertEquals("q-ok", utf8(client.querySync(bytes("q"))), "a query is retried");
    assertEquals(2, queryAttempts.get());
  }

  @Test
  void unavailableIsRetriedWithBackoff() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    Fake busy =
        start(
            new Fake(
                request ->
                    attempts.incrementAndGet() <= 3
                        ? error(ClientError.Code.UNAVAILABLE, "overloaded")
                        : applied("done")));
    RaftClient client = client(options(busy.address));

    assertEquals("done", utf8(client.proposeSync(bytes("p"))));
    assertEquals(4, attempts.get());
  }

  @Test
  void aThousandConcurrentProposesFromSeveralThreadsAllComplete() throws Exception {
    Fake leader = start(Fake.leader());
    Fake f1 = start(Fake.follower(leader.address));
    Fake f2 = start(Fake.follower(leader.address));
    RaftClient client =
        client(
            options(f1.address, f2.address, leader.address).requestTimeout(Duration.ofSeconds(30)));
    int threads = 8;
    int perThread = 125;
    ExecutorService callers = Executors.newFixedThreadPool(threads);
    try {
      List<Future<List<CompletableFuture<byte[]>>>> submitted = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        submitted.add(
            callers.submit(
                () -> {
                  List<CompletableFuture<byte[]>> mine = new ArrayList<>();
                  for (int i = 0; i < perThread; i++) {
                    mine.add(client.propose(bytes("cmd-" + thread + "-" + i)));
                  }
                  return mine;
                }));
      }
      for (int t = 0; t < threads; t++) {
        List<CompletableFuture<byte[]>> mine = submitted.get(t).get(30, TimeUnit.SECONDS);
        for (int i = 0; i < perThread; i++) {
          String expected = new StringBuilder("cmd-" + t + "-" + i).reverse().toString();
          assertEquals(expected, utf8(mine.get(i).get(30, TimeUnit.SECONDS)));
        }
      }
    } finally {
      callers.shutdownNow();
    }
    assertEquals(threads * perThread, leader.proposes.get());
  }

  @Test
  void whenNoServerListensTheRequestFailsAtItsDeadline() throws Exception {
    RaftClient client =
        client(options(deadAddress(), deadAddress()).requestTimeout(Duration.ofSeconds(1)));

    long start = System.nanoTime();
    ClientException e =
        assertThrows(ClientException.class, () -> client.proposeSync(bytes("lost")));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertEquals(ClientException.Kind.UNAVAILABLE, e.kind());
    assertTrue(e.getMessage().startsWith("no answer from the cluster within 1 s"), e.getMessage());
    assertTrue(tookMs >= 900, "gave up after " + tookMs + " ms, before its 1 s deadline");
  }

  @Test
  void aServerThatNeverAnswersTimesOutAfterFiveSecondsOutcomeUnknown() throws Exception {
    Fake silent = start(new Fake(request -> null));
    RaftClient client = client(options(silent.address));

    long start = System.nanoTime();
    ClientException e =
        assertThrows(ClientException.class, () -> client.proposeSync(bytes("void")));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertEquals(ClientException.Kind.TIMEOUT_OUTCOME_UNKNOWN, e.kind());
    assertTrue(e.getMessage().startsWith("no answer from the cluster within 5 s"), e.getMessage());
    assertTrue(tookMs >= 4_900, "gave up after " + tookMs + " ms, before its 5 s deadline");
    assertEquals(1, silent.proposes.get());
  }

  @Test
  void followersThatKnowNoLeaderFailAsNotLeaderUnknown() throws Exception {
    Fake f1 = start(Fake.follower(""));
    Fake f2 = start(Fake.follower(""));
    // A retry cap rather than the deadline ends it: at a deadline an attempt may be in flight,
    // which is (rightly) reported as outcome-unknown.
    RaftClient client =
        client(
            options(f1.address, f2.address).maxRetries(3).requestTimeout(Duration.ofSeconds(30)));

    ClientException e = assertThrows(ClientException.class, () -> client.proposeSync(bytes("x")));
    assertEquals(ClientException.Kind.NOT_LEADER_UNKNOWN, e.kind(), e::getMessage);
    assertTrue(e.getMessage().contains("does not know the leader"), e.getMessage());
    assertEquals(2, f1.proposes.get(), "servers are tried in turn");
    assertEquals(2, f2.proposes.get(), "servers are tried in turn");
  }

  @Test
  void closingTheClientFailsASentProposeAsOutcomeUnknownAndLaterOnesAsClosed() throws Exception {
    Fake silent = start(new Fake(request -> null));
    RaftClient client = client(options(silent.address));
    CompletableFuture<byte[]> pending = client.propose(bytes("never"));
    FakeServers.await(() -> silent.proposes.get() == 1, "the propose reaches the server");

    client.close();
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> pending.get(5, TimeUnit.SECONDS));
    assertEquals(
        ClientException.Kind.CLOSED_OUTCOME_UNKNOWN, ((ClientException) e.getCause()).kind());
    ExecutionException after =
        assertThrows(
            ExecutionException.class, () -> client.propose(bytes("late")).get(5, TimeUnit.SECONDS));
    assertEquals(ClientException.Kind.CLOSED, ((ClientException) after.getCause()).kind());
  }

  private Fake start(Fake fake) throws InterruptedException {
    return fakes.start(fake);
  }

  private RaftClient client(RaftClientOptions.Builder options) {
    RaftClient client = RaftClient.create(options.build());
    clients.add(client);
    return client;
  }

  /** Sessionless proposes: most tests here pin down what a retry may and may not do without one. */
  private static RaftClientOptions.Builder options(String... servers) {
    return RaftClientOptions.builder(List.of(servers)).sessions(false);
  }
}
