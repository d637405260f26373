package io.raftjvm.counter.tools;

import io.raftjvm.counter.CounterCommands;

/**
 * The counter's wire format as the tools use it, over {@link CounterCommands} (the state machine's
 * own definition): a command is the ADD byte, the 8-byte big-endian delta and optional zero padding
 * (at least {@link #MIN_COMMAND_BYTES} bytes); the query is the 1-byte GET; a result is the 8-byte
 * big-endian value, or the single byte 0xFF when the state machine refused the command (malformed
 * or overflow), which then changed nothing.
 */
final class CounterWire {
  /** The op byte and the 8-byte delta. */
  static final int MIN_COMMAND_BYTES = CounterCommands.ADD_SIZE;

  /** The state machine the counter tools talk to: they tell every server so in their hello. */
  static final String STATE_MACHINE = io.raftjvm.counter.CounterProvider.NAME;

  private CounterWire() {}

  /** An add of {@code delta}, padded with zeros to {@code size} bytes (>= 9). */
  static byte[] add(long delta, int size) {
    return CounterCommands.add(delta, size);
  }

  static byte[] add(long delta) {
    return CounterCommands.add(delta);
  }

  /** The 1-byte get query. */
  static byte[] get() {
    return CounterCommands.get();
  }

  /** Whether a result says the state machine refused the command. */
  static boolean isRefused(byte[] result) {
    return CounterCommands.isRejected(result);
  }

  /** Decodes an 8-byte value result; IllegalArgumentException for anything else. */
  static long value(byte[] result) {
    if (result == null || result.length != CounterCommands.VALUE_SIZE) {
      throw new IllegalArgumentException(
          "expected an 8-byte counter value, got "
              + (result == null
                  ? "nothing"
                  : isRefused(result) ? "a refusal (0xFF)" : result.length + " byte(s)"));
    }
    return CounterCommands.decodeValue(result);
  }
}
