package io.raftjvm.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Retry delays and server address parsing. */
class ClientBackoffTest {
  @Test
  void delaysDoubleUpToTheCapWithJitterInTheUpperHalf() {
    ClientBackoff b =
        new ClientBackoff(Duration.ofMillis(10), Duration.ofMillis(500), new SplittableRandom(7));
    long[] ceilings = {10, 20, 40, 80, 160, 320, 500, 500, 500};
    for (int i = 0; i < ceilings.length; i++) {
      for (int trial = 0; trial < 100; trial++) {
        long ms = b.nanos(i + 1) / 1_000_000;
        assertTrue(ms >= ceilings[i] / 2 && ms <= ceilings[i], "failure " + (i + 1) + ": " + ms);
      }
    }
  }

  @Test
  void optionsRejectAnEmptyServerList() {
    assertThrows(
        IllegalArgumentException.class, () -> RaftClientOptions.builder(List.of()).build());
    assertEquals(
        Duration.ofSeconds(5), RaftClientOptions.builder(List.of("a:1")).build().requestTimeout());
  }
}
