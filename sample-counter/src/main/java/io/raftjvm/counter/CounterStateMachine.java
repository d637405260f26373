package io.raftjvm.counter;

import io.raftjvm.counter.CounterCommands.Command;
import io.raftjvm.statemachine.CommittedEntry;
import io.raftjvm.statemachine.StateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A replicated signed 64-bit counter, starting at 0. Commands and results are described in {@link
 * CounterCommands}: ADD answers the new value, GET the value; a malformed command or an add that
 * would overflow is answered with a rejection result and changes nothing. Apply never throws for
 * anything a client can send, so no command can stop a replica.
 *
 * <p>The value lives in memory only. After a restart the server replays the log from index 1 (this
 * machine reports {@link #lastApplied()} 0), or restores a snapshot first once the server takes
 * them.
 *
 * <p>Threading: apply and restore run on the server's apply thread; query, lastApplied and snapshot
 * may run on any thread at the same time. The value and the index it reflects are published
 * together as one immutable {@link State} in a volatile field, so readers never see one without the
 * other; apply publishes once per batch.
 *
 * <p>Snapshot format (28 bytes, big-endian): int magic {@code 0x52434E54} ("RCNT"), int version 1,
 * long lastApplied, long value, int CRC-32 of the 24 bytes before it.
 */
public final class CounterStateMachine implements StateMachine {
  static final int MAGIC = 0x52434E54;
  static final int VERSION = 1;
  static final int SNAPSHOT_SIZE = 4 + 4 + 8 + 8 + 4;

  /** The value and the index of the last entry it includes. */
  private record State(long lastApplied, long value) {}

  /** Current state; replaced (never mutated) by apply and restore, read by everyone. */
  private volatile State state = new State(0, 0);

  @Override
  public List<byte[]> apply(List<CommittedEntry> entries) {
    State s = state;
    long applied = s.lastApplied();
    long value = s.value();
    List<byte[]> results = new ArrayList<>(entries.size());
    for (CommittedEntry e : entries) {
      applied = e.index();
      Command c;
      try {
        c = CounterCommands.decodeCommand(e.data());
      } catch (IllegalArgumentException | NullPointerException bad) {
        results.add(CounterCommands.rejected());
        continue;
      }
      if (c.op() == CounterCommands.ADD) {
        long sum = value + c.delta();
        // Overflow iff both operands have the sign the sum lacks (Math.addExact's test, no
        // exception).
        if (((value ^ sum) & (c.delta() ^ sum)) < 0) {
          results.add(CounterCommands.rejected());
          continue;
        }
        value = sum;
      }
      results.add(CounterCommands.encodeValue(value));
    }
    state = new State(applied, value);
    return results;
  }

  /** Answers a GET with the value (8 bytes); anything else with the rejection (0xFF). */
  @Override
  public byte[] query(byte[] query) {
    try {
      CounterCommands.checkQuery(query);
    } catch (IllegalArgumentException | NullPointerException bad) {
      return CounterCommands.rejected();
    }
    return CounterCommands.encodeValue(state.value());
  }

  @Override
  public long lastApplied() {
    return state.lastApplied();
  }

  @Override
  public void snapshot(OutputStream out) throws IOException {
    State s = state;
    ByteBuffer b = ByteBuffer.allocate(SNAPSHOT_SIZE);
    b.putInt(MAGIC).putInt(VERSION).putLong(s.lastApplied()).putLong(s.value());
    b.putInt(crc(b.array(), SNAPSHOT_SIZE - 4));
    out.write(b.array());
    out.flush();
  }

  /**
   * Replaces the state with a snapshot's; reads exactly {@value #SNAPSHOT_SIZE} bytes. Refuses a
   * truncated, foreign, newer-version or corrupt stream with an IOException saying which, and then
   * leaves the state as it was.
   */
  @Override
  public void restore(InputStream in) throws IOException {
    byte[] bytes = in.readNBytes(SNAPSHOT_SIZE);
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (bytes.length >= 4 && b.getInt(0) != MAGIC) {
      throw new IOException(
          String.format(
              "not a counter snapshot: magic 0x%08X, expected 0x%08X", b.getInt(0), MAGIC));
    }
    if (bytes.length < SNAPSHOT_SIZE) {
      throw new IOException(
          "truncated counter snapshot: " + bytes.length + " of " + SNAPSHOT_SIZE + " bytes");
    }
    int version = b.getInt(4);
    if (version != VERSION) {
      throw new IOException(
          "unsupported counter snapshot version "
              + version
              + " (this build reads "
              + VERSION
              + ")");
    }
    int expected = b.getInt(SNAPSHOT_SIZE - 4);
    int actual = crc(bytes, SNAPSHOT_SIZE - 4);
    if (actual != expected) {
      throw new IOException(
          String.format(
              "corrupt counter snapshot: CRC-32 0x%08X, recorded 0x%08X", actual, expected));
    }
    long applied = b.getLong(8);
    if (applied < 0)
      throw new IOException("corrupt counter snapshot: negative lastApplied " + applied);
    state = new State(applied, b.getLong(16));
  }

  private static int crc(byte[] b, int len) {
    CRC32 crc = new CRC32();
    crc.update(b, 0, len);
    return (int) crc.getValue();
  }

  @Override
  public String toString() {
    State s = state;
    return "counter{value=" + s.value() + ", lastApplied=" + s.lastApplied() + "}";
  }
}
