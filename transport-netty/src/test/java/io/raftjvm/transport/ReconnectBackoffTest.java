package io.raftjvm.transport;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Exponential reconnect delays: doubling from the minimum, capped, jittered, reset. */
class ReconnectBackoffTest {
  @ParameterizedTest
  @ValueSource(longs = {1, 42, 7_000_000})
  void delaysDoubleUpToTheCapWithinTheJitter(long seed) {
    ReconnectBackoff b = new ReconnectBackoff(50, 2_000, 0.2, new SplittableRandom(seed));
    long[] bases = {50, 100, 200, 400, 800, 1_600, 2_000, 2_000, 2_000};
    for (int round = 0; round < 2; round++) {
      for (long base : bases) {
        long d = b.nextDelayMillis();
        assertTrue(
            d >= Math.round(base * 0.8) && d <= Math.round(base * 1.2),
            "delay " + d + " for base " + base);
      }
      b.reset();
    }
  }

  @Test
  void badSettingsAreRejected() {
    SplittableRandom r = new SplittableRandom(1);
    assertThrows(IllegalArgumentException.class, () -> new ReconnectBackoff(0, 10, 0.1, r));
    assertThrows(IllegalArgumentException.class, () -> new ReconnectBackoff(20, 10, 0.1, r));
    assertThrows(IllegalArgumentException.class, () -> new ReconnectBackoff(10, 20, 1.0, r));
  }
}
