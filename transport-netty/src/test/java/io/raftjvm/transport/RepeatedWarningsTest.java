package io.raftjvm.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The first occurrence is logged, repeats at a slowing rate with a count, the end summarized. */
class RepeatedWarningsTest {
  private long now;
  private final RepeatedWarnings w = new RepeatedWarnings(() -> now);

  private void advanceSeconds(long s) {
    now += TimeUnit.SECONDS.toNanos(s);
  }

  @Test
  void logsFirstThenAtADoublingIntervalWithTheCountLeftOut() {
    assertEquals("refused", w.occurred("node 4", "refused"));
    for (int i = 0; i < 10; i++) {
      advanceSeconds(2);
      assertNull(w.occurred("node 4", "refused"));
    }
    advanceSeconds(10); // 30 s since the first line
    assertEquals("refused (10 more like it not logged)", w.occurred("node 4", "refused"));
    advanceSeconds(31);
    assertNull(w.occurred("node 4", "refused"), "the next interval is a minute");
    advanceSeconds(30);
    assertEquals("refused (1 more like it not logged)", w.occurred("node 4", "refused"));
    assertEquals(
        "node 4 accepted after 14 refused attempts", w.resolved("node 4", "node 4 accepted"));
    assertNull(w.resolved("node 4", "again"), "resolved once");
    assertEquals("refused", w.occurred("node 4", "refused"), "a new episode starts afresh");
  }

  @Test
  void aFloodOfDistinctConditionsSharesOneRateLimitAndIdleOnesMakeRoom() {
    for (int i = 0; i < RepeatedWarnings.MAX_KEYS; i++) {
      assertEquals("host " + i, w.occurred("host " + i, "host " + i));
    }
    assertEquals("host a", w.occurred("host a", "host a"), "the first beyond the bound is logged");
    for (int i = 0; i < 100; i++) {
      assertNull(w.occurred("host b" + i, "host b" + i), "the next ones share its rate limit");
    }
    assertNull(w.occurred("host 0", "host 0"), "tracked ones keep their own limit");
    advanceSeconds(30);
    assertEquals("host c (100 more like it not logged)", w.occurred("host c", "host c"));

    advanceSeconds(TimeUnit.NANOSECONDS.toSeconds(RepeatedWarnings.MAX_INTERVAL_NANOS) + 1);
    assertEquals("host d", w.occurred("host d", "host d"), "idle conditions were forgotten");
    assertEquals("host e", w.occurred("host e", "host e"));
    assertNull(w.resolved("host 0", "host 0 back"), "a forgotten condition has no summary");
    assertEquals("host d back after 1 refused attempt", w.resolved("host d", "host d back"));
  }

  @Test
  void keysAreIndependent() {
    assertEquals("a", w.occurred("node 4", "a"));
    assertEquals("b", w.occurred("node 5", "b"));
    assertNull(w.occurred("node 4", "a"));
    assertNull(w.resolved("node 6", "never refused"));
  }
}
