package io.raftjvm.counter;

import java.util.Arrays;
import java.util.Objects;

/**
 * The counter's wire format: how clients encode commands and queries and decode results. Commands
 * go through the log ({@code RaftClient.propose}); queries read one replica's current value ({@code
 * RaftClient.query}).
 *
 * <p><b>Commands.</b> The first byte is the operation:
 *
 * <ul>
 *   <li>{@link #ADD} ({@code 1}): followed by the delta, a signed 8-byte big-endian long, so at
 *       least 9 bytes. Adds the delta and answers the new value.
 *   <li>{@link #GET} ({@code 2}): answers the value without changing it (a read through the log,
 *       ordered with the adds).
 * </ul>
 *
 * Any bytes after those (padding) are ignored, so benchmarks can send commands of any size from 9
 * bytes up: {@code add(1, 16)} is a 16-byte increment.
 *
 * <p><b>Queries.</b> Only {@link #GET} ({@code 2}), padding allowed. {@link #ADD} is not a query.
 *
 * <p><b>Results.</b> A success is exactly 8 bytes: the counter value, big-endian. A rejection is
 * the single byte {@code 0xFF} ({@link #REJECTED}): the command was malformed (empty, unknown
 * operation byte, an ADD shorter than 9 bytes, an ADD sent as a query) or the add would overflow.
 * The lengths never coincide, so a result is told apart by its length alone; the client knows which
 * of the two it was from what it sent. A rejected command changed nothing; it still counts as
 * applied (the log index advances). Rejections are deterministic: every replica rejects the same
 * command the same way, and none stops, whatever a client sends.
 *
 * <p><b>Overflow.</b> An add whose result does not fit in a long is rejected and leaves the value
 * as it was; the counter never wraps around.
 */
public final class CounterCommands {
  /** Operation byte: add the 8-byte delta that follows and answer the new value. */
  public static final byte ADD = 1;

  /** Operation byte: answer the current value. */
  public static final byte GET = 2;

  /** Smallest ADD command: the operation byte and the 8-byte delta. */
  public static final int ADD_SIZE = 9;

  /** Size of a successful result: the 8-byte big-endian value. */
  public static final int VALUE_SIZE = 8;

  /**
   * The whole of a rejection result: the command was malformed or would overflow, and changed
   * nothing.
   */
  public static final byte REJECTED = (byte) 0xFF;

  /** A decoded command: its operation and, for {@link #ADD}, its delta (0 for {@link #GET}). */
  public record Command(byte op, long delta) {}

  private CounterCommands() {}

  /** A 9-byte command adding delta. */
  public static byte[] add(long delta) {
    return add(delta, ADD_SIZE);
  }

  /**
   * A command adding delta, padded with zero bytes to totalSize bytes (at least {@value
   * #ADD_SIZE}).
   */
  public static byte[] add(long delta, int totalSize) {
    if (totalSize < ADD_SIZE) {
      throw new IllegalArgumentException(
          "an ADD command needs at least "
              + ADD_SIZE
              + " bytes (1-byte op + 8-byte delta); asked for "
              + totalSize);
    }
    byte[] b = new byte[totalSize];
    b[0] = ADD;
    putLong(b, 1, delta);
    return b;
  }

  /** A 1-byte GET: a query, or a command reading the value through the log. */
  public static byte[] get() {
    return new byte[] {GET};
  }

  /** A GET padded with zero bytes to totalSize bytes (at least 1). */
  public static byte[] get(int totalSize) {
    if (totalSize < 1)
      throw new IllegalArgumentException("a GET needs at least 1 byte; asked for " + totalSize);
    byte[] b = new byte[totalSize];
    b[0] = GET;
    return b;
  }

  /**
   * Decodes a command; IllegalArgumentException, saying what is wrong, when it is empty, has an
   * unknown operation byte or is an ADD shorter than {@value #ADD_SIZE} bytes.
   */
  public static Command decodeCommand(byte[] command) {
    Objects.requireNonNull(command, "command");
    if (command.length == 0) throw new IllegalArgumentException("empty counter command");
    byte op = command[0];
    if (op == GET) return new Command(GET, 0);
    if (op != ADD) {
      throw new IllegalArgumentException(
          "unknown counter operation " + (op & 0xFF) + " (ADD = " + ADD + ", GET = " + GET + ")");
    }
    if (command.length < ADD_SIZE) {
      throw new IllegalArgumentException(
          "an ADD command needs at least "
              + ADD_SIZE
              + " bytes (1-byte op + 8-byte delta); got "
              + command.length);
    }
    return new Command(ADD, getLong(command, 1));
  }

  /**
   * Checks a query: a GET, padding allowed; IllegalArgumentException saying what is wrong
   * otherwise.
   */
  public static void checkQuery(byte[] query) {
    Objects.requireNonNull(query, "query");
    if (query.length == 0) throw new IllegalArgumentException("empty counter query");
    if (query[0] != GET) {
      throw new IllegalArgumentException(
          "a counter query must be GET ("
              + GET
              + "); got operation "
              + (query[0] & 0xFF)
              + (query[0] == ADD ? " (ADD changes the counter: propose it)" : ""));
    }
  }

  /** The 8-byte result carrying value. */
  public static byte[] encodeValue(long value) {
    byte[] b = new byte[VALUE_SIZE];
    putLong(b, 0, value);
    return b;
  }

  /** The 1-byte rejection result. */
  public static byte[] rejected() {
    return new byte[] {REJECTED};
  }

  /** Whether result is the rejection (the single byte 0xFF). */
  public static boolean isRejected(byte[] result) {
    return result != null && result.length == 1 && result[0] == REJECTED;
  }

  /**
   * The counter value in a result. Throws {@link CommandRejectedException} when the result is a
   * rejection (the command changed nothing), IllegalArgumentException when it is neither a value
   * nor a rejection (not a counter result at all).
   */
  public static long decodeValue(byte[] result) {
    Objects.requireNonNull(result, "result");
    if (result.length == VALUE_SIZE) return getLong(result, 0);
    if (isRejected(result)) throw new CommandRejectedException();
    throw new IllegalArgumentException(
        "malformed counter result: "
            + result.length
            + " bytes "
            + Arrays.toString(Arrays.copyOf(result, Math.min(result.length, 16)))
            + " (a value has "
            + VALUE_SIZE
            + ", a rejection is the single byte 0xFF)");
  }

  private static void putLong(byte[] b, int at, long v) {
    for (int i = 7; i >= 0; i--) {
      b[at + i] = (byte) v;
      v >>>= 8;
    }
  }

  private static long getLong(byte[] b, int at) {
    long v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | (b[at + i] & 0xFF);
    return v;
  }
}
