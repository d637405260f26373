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
  void keysAreIndependent() {
    assertEquals("a", w.occurred("node 4", "a"));
    assertEquals("b", w.occurred("node 5", "b"));
    assertNull(w.occurred("node 4", "a"));
    assertNull(w.resolved("node 6", "never refused"));
  }
}
