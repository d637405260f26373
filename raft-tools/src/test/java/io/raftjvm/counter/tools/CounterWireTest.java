package io.raftjvm.counter.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The bytes the tools send and read, as the issue defines them. */
class CounterWireTest {
  @Test
  void addIsOpDeltaAndPadding() {
    assertArrayEquals(
        new byte[] {1, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0}, CounterWire.add(258, 16));
    assertArrayEquals(new byte[] {1, -1, -1, -1, -1, -1, -1, -1, -5}, CounterWire.add(-5));
    assertThrows(IllegalArgumentException.class, () -> CounterWire.add(1, 8));
  }

  @Test
  void getIsOneByte() {
    assertArrayEquals(new byte[] {2}, CounterWire.get());
  }

  @Test
  void results() {
    assertEquals(258, CounterWire.value(new byte[] {0, 0, 0, 0, 0, 0, 1, 2}));
    assertEquals(-1, CounterWire.value(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1}));
    assertTrue(CounterWire.isRefused(new byte[] {(byte) 0xFF}));
    assertFalse(CounterWire.isRefused(new byte[] {(byte) 0xFE}));
    assertThrows(IllegalArgumentException.class, () -> CounterWire.value(new byte[] {(byte) 0xFF}));
    assertThrows(IllegalArgumentException.class, () -> CounterWire.value(new byte[7]));
    assertThrows(IllegalArgumentException.class, () -> CounterWire.value(null));
  }
}
