package io.raftjvm.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Where attempts go, on a hand-driven clock. */
class ClientRoutingTest {
  private static final List<String> SERVERS = List.of("a:1", "b:1", "c:1");
  private long now;
  private final ClientRouting routing = new ClientRouting(SERVERS, 1_000, () -> now);

  @Test
  void thePresumedLeaderFirstThenRoundRobin() {
    assertEquals("a:1", routing.target());
    routing.leaderIs("c:1");
    assertEquals("c:1", routing.target());
    routing.failed("c:1");
    assertNull(routing.leader());
    assertEquals("a:1", routing.target());
    routing.failed("a:1");
    assertEquals("b:1", routing.target());
  }

  @Test
  void anUnresponsiveServerIsPassedOverAndNotFollowedUntilItsTimeIsUp() {
    routing.leaderIs("a:1");
    routing.unresponsive("a:1");
    assertNull(routing.leader());
    assertFalse(routing.followable("a:1"));
    assertEquals("b:1", routing.target());
    routing.failed("b:1");
    assertEquals("c:1", routing.target());
    routing.failed("c:1");
    assertEquals("b:1", routing.target(), "a:1 is skipped on the way round");
    now += 1_000;
    assertTrue(routing.followable("a:1"));
  }

  @Test
  void anAnswerClearsIt() {
    routing.unresponsive("b:1");
    routing.answered("b:1");
    assertTrue(routing.followable("b:1"));
  }

  @Test
  void whenEveryServerIsUnresponsiveTheCursorsServerIsTried() {
    SERVERS.forEach(routing::unresponsive);
    assertTrue(SERVERS.contains(routing.target()));
  }
}
