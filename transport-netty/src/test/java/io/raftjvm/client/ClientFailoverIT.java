package io.raftjvm.client;

import static io.raftjvm.client.FakeServers.bytes;
import static io.raftjvm.client.FakeServers.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftjvm.client.FakeServers.Fake;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import io.raftjvm.client.proto.NotLeader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server that accepts requests and never answers (a paused leader, or one cut off from its peers)
 * costs a client one attempt timeout, not the request's deadline: the attempt goes to another
 * server, and redirects naming the silent one are not followed while it stays silent. Every request
 * here has a 30 s deadline; without the attempt timeout each would end at it, failed.
 */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientFailoverIT {
  private final FakeServers fakes = new FakeServers();
  private final List<RaftClient> clients = new ArrayList<>();

  @AfterEach
  void tearDown() {
    clients.forEach(RaftClient::close);
    fakes.close();
  }

  @Test
  void aSilentServerIsLeftForTheNextOne() throws Exception {
    Fake silent = fakes.start(new Fake(request -> null));
    Fake leader = fakes.start(Fake.leader());
    RaftClient client = client(silent.address, leader.address);

    assertEquals("dda", utf8(client.proposeSync(bytes("add"))));
    assertEquals("q:x", utf8(client.querySync(bytes("x"))));
    assertEquals(
        1, silent.seen.size(), "one attempt (the session registration) went to the silent server");
  }

  /**
   * Followers keep naming a frozen leader until they elect another: those redirects are not
   * followed.
   */
  @Test
  void redirectsToASilentLeaderWaitForTheNextLeader() throws Exception {
    Fake frozen = fakes.start(new Fake(request -> null));
    Fake next = fakes.start(Fake.leader());
    AtomicInteger asked = new AtomicInteger();
    String[] named = {frozen.address};
    Fake follower =
        fakes.start(
            new Fake(
                request -> {
                  if (asked.incrementAndGet() == 4) named[0] = next.address; // elected meanwhile
                  return ClientResponse.newBuilder()
                      .setNotLeader(NotLeader.newBuilder().setLeaderAddress(named[0]))
                      .build();
                }));
    RaftClient client = client(follower.address);

    assertEquals("dda", utf8(client.proposeSync(bytes("add"))));
    assertEquals(1, frozen.seen.size(), "the frozen leader got one attempt, not one per redirect");
    assertEquals(4, asked.get());
  }

  /**
   * The first answer of any attempt settles the call: a late success after the attempt timeout
   * counts.
   */
  @Test
  void aLateSuccessOfAnAbandonedAttemptCompletesTheCall() throws Exception {
    Fake slow = fakes.start(Fake.leader());
    slow.delayMillis = 800;
    Fake follower = fakes.start(Fake.follower(""));
    RaftClient client = client(slow.address, follower.address);

    assertEquals("dda", utf8(client.proposeSync(bytes("add"))));
    for (ClientRequest r : slow.seen) {
      if (r.hasPropose())
        assertEquals(1, r.getPropose().getSequence(), "every attempt is the same propose");
    }
  }

  private RaftClient client(String... servers) {
    RaftClient client =
        RaftClient.create(
            RaftClientOptions.builder(List.of(servers))
                .requestTimeout(Duration.ofSeconds(30))
                .attemptTimeout(Duration.ofMillis(300))
                .build());
    clients.add(client);
    return client;
  }
}
