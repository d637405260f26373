package io.raftjvm.counter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The longest stretch without an acknowledgement, on made-up timestamps. */
class StallsTest {
  @Test
  void theLongestGapBetweenAcknowledgementsAndWhenItEnded() {
    Stalls s = new Stalls();
    s.start(1_000);
    s.ok(1_010);
    s.ok(1_500); // 490 since the last one
    s.ok(1_400); // late from another thread: not a gap
    s.ok(1_600);
    s.end(1_700);
    assertEquals(490, s.longestNanos());
    assertEquals(500, s.longestEndNanos());
  }

  @Test
  void silenceAtEitherEndOfTheWindowCounts() {
    Stalls start = new Stalls();
    start.start(0);
    start.ok(900);
    start.end(1_000);
    assertEquals(900, start.longestNanos());
    Stalls end = new Stalls();
    end.start(0);
    end.ok(100);
    end.end(2_000);
    assertEquals(1_900, end.longestNanos());
    assertEquals(2_000, end.longestEndNanos());
  }
}
