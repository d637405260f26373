package io.raftjvm.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Retry delays: doubling from the first, capped, jittered within the upper half. */
class BackoffTest {
  @ParameterizedTest
  @ValueSource(longs = {1, 7, 7_000_000})
  void delaysDoubleUpToTheCapWithJitterInTheUpperHalf(long seed) {
    Backoff b =
        new Backoff(Duration.ofMillis(10), Duration.ofMillis(500), new SplittableRandom(seed));
    long[] ceilings = {10, 20, 40, 80, 160, 320, 500, 500, 500};
    for (int i = 0; i < ceilings.length; i++) {
      for (int trial = 0; trial < 100; trial++) {
        long ms = b.delayNanos(i + 1) / 1_000_000;
        assertTrue(ms >= ceilings[i] / 2 && ms <= ceilings[i], "failure " + (i + 1) + ": " + ms);
      }
    }
    assertEquals(Duration.ofMillis(500), b.max());
  }

  @Test
  void badSettingsAreRejected() {
    SplittableRandom r = new SplittableRandom(1);
    assertThrows(
        IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofMillis(10), r));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Backoff(Duration.ofMillis(20), Duration.ofMillis(10), r));
  }

  @Test
  void optionsRejectAnEmptyServerList() {
    assertThrows(
        IllegalArgumentException.class, () -> RaftClientOptions.builder(List.of()).build());
    assertEquals(
        Duration.ofSeconds(5), RaftClientOptions.builder(List.of("a:1")).build().requestTimeout());
  }
}
