package io.raftjvm.counter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.counter.CounterCommands.Command;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("CounterCommands: the counter's wire format")
class CounterCommandsTest {

  @Test
  void addIsOpThenBigEndianDeltaThenZeroPadding() {
    byte[] cmd = CounterCommands.add(0x0102030405060708L, 16);
    assertArrayEquals(new byte[] {1, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0}, cmd);
    assertArrayEquals(new byte[] {1, -1, -1, -1, -1, -1, -1, -1, -2}, CounterCommands.add(-2));
  }

  @Test
  void addShorterThanNineBytesIsRefused() {
    var e = assertThrows(IllegalArgumentException.class, () -> CounterCommands.add(1, 8));
    assertTrue(e.getMessage().contains("at least 9 bytes"), e.getMessage());
  }

  @Test
  void getIsOneByteOrPadded() {
    assertArrayEquals(new byte[] {2}, CounterCommands.get());
    assertArrayEquals(new byte[] {2, 0, 0, 0}, CounterCommands.get(4));
    assertThrows(IllegalArgumentException.class, () -> CounterCommands.get(0));
  }

  @Test
  void decodeCommandReadsWhatAddAndGetWrite() {
    assertEquals(
        new Command(CounterCommands.ADD, Long.MIN_VALUE),
        CounterCommands.decodeCommand(CounterCommands.add(Long.MIN_VALUE)));
    assertEquals(
        new Command(CounterCommands.ADD, 42),
        CounterCommands.decodeCommand(CounterCommands.add(42, 1000)));
    assertEquals(
        new Command(CounterCommands.GET, 0),
        CounterCommands.decodeCommand(CounterCommands.get(16)));
  }

  @Test
  void decodeCommandRejectsMalformedInputWithClearMessages() {
    assertTrue(
        assertThrows(
                IllegalArgumentException.class, () -> CounterCommands.decodeCommand(new byte[0]))
            .getMessage()
            .contains("empty"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> CounterCommands.decodeCommand(new byte[] {7, 0}))
            .getMessage()
            .contains("unknown counter operation 7"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> CounterCommands.decodeCommand(new byte[] {(byte) 0xFF}))
            .getMessage()
            .contains("unknown counter operation 255"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> CounterCommands.decodeCommand(new byte[] {1, 0, 0, 0, 5}))
            .getMessage()
            .contains("got 5"));
    assertThrows(NullPointerException.class, () -> CounterCommands.decodeCommand(null));
  }

  @Test
  void queriesMustBeGet() {
    CounterCommands.checkQuery(CounterCommands.get(9));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> CounterCommands.checkQuery(CounterCommands.add(1)))
            .getMessage()
            .contains("propose it"));
    assertThrows(IllegalArgumentException.class, () -> CounterCommands.checkQuery(new byte[0]));
  }

  @Test
  void valuesRoundTrip() {
    for (long v :
        new long[] {0, 1, -1, 255, 256, Long.MAX_VALUE, Long.MIN_VALUE, 0x0102030405060708L}) {
      byte[] r = CounterCommands.encodeValue(v);
      assertEquals(8, r.length);
      assertFalse(CounterCommands.isRejected(r));
      assertEquals(v, CounterCommands.decodeValue(r));
    }
    assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 1, 2}, CounterCommands.encodeValue(258));
  }

  @Test
  void theRejectionIsTheSingleByte0xFFAndDecodesIntoCommandRejectedException() {
    byte[] r = CounterCommands.rejected();
    assertArrayEquals(new byte[] {(byte) 0xFF}, r);
    assertTrue(CounterCommands.isRejected(r));
    var e = assertThrows(CommandRejectedException.class, () -> CounterCommands.decodeValue(r));
    assertTrue(e.getMessage().contains("unchanged"), e.getMessage());
    assertFalse(CounterCommands.isRejected(new byte[] {(byte) 0xFF, 1}));
    assertFalse(
        CounterCommands.isRejected(CounterCommands.encodeValue(-1)),
        "the value -1 is all 0xFF bytes, but 8 of them");
  }

  @Test
  void resultsThatAreNeitherValueNorRejectionAreRefused() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> CounterCommands.decodeValue(new byte[3]))
            .getMessage()
            .contains("malformed counter result: 3 bytes"));
    assertThrows(
        IllegalArgumentException.class,
        () -> CounterCommands.decodeValue(new byte[] {(byte) 0xFF, 2}));
    assertThrows(IllegalArgumentException.class, () -> CounterCommands.decodeValue(new byte[] {0}));
    assertThrows(
        IllegalArgumentException.class, () -> CounterCommands.decodeValue(new byte[] {0, 1}));
    assertThrows(IllegalArgumentException.class, () -> CounterCommands.decodeValue(new byte[0]));
  }
}
