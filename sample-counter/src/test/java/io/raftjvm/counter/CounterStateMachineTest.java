package io.raftjvm.counter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.statemachine.CommittedEntry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@DisplayName("CounterStateMachine: apply, query, snapshot and restore")
class CounterStateMachineTest {
  private final CounterStateMachine sm = new CounterStateMachine();

  /** Index of the next entry this test applies. */
  private long nextIndex = 1;

  /** Applies one command as the next entry and returns its result. */
  private byte[] apply(byte[] command) {
    List<byte[]> r = sm.apply(List.of(new CommittedEntry(nextIndex++, 1, command)));
    assertEquals(1, r.size());
    return r.get(0);
  }

  private long add(long delta) {
    return CounterCommands.decodeValue(apply(CounterCommands.add(delta)));
  }

  private long value() {
    return CounterCommands.decodeValue(sm.query(CounterCommands.get()));
  }

  private static byte[] snapshotOf(CounterStateMachine m) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    m.snapshot(out);
    return out.toByteArray();
  }

  @Test
  void addReturnsTheNewValueAndGetReadsIt() {
    assertEquals(0, value());
    assertEquals(0, sm.lastApplied());
    assertEquals(5, add(5));
    assertEquals(12, add(7));
    assertEquals(12, value());
    assertEquals(
        12, CounterCommands.decodeValue(apply(CounterCommands.get())), "GET through the log");
    assertEquals(12, value(), "GET through the log changes nothing");
    assertEquals(3, sm.lastApplied());
  }

  @Test
  void negativeDeltasSubtract() {
    assertEquals(-3, add(-3));
    assertEquals(7, add(10));
    assertEquals(-100, add(-107));
    assertEquals(-100, value());
  }

  @Test
  void paddedCommandsAndQueriesIgnoreThePadding() {
    byte[] padded = CounterCommands.add(2, 64);
    padded[40] = 99; // the padding's content does not matter
    assertEquals(2, CounterCommands.decodeValue(apply(padded)));
    assertEquals(2, CounterCommands.decodeValue(sm.query(CounterCommands.get(16))));
  }

  @Test
  void aBatchGetsOneResultPerEntryInOrder() {
    List<CommittedEntry> batch =
        List.of(
            new CommittedEntry(1, 1, CounterCommands.add(1)),
            new CommittedEntry(2, 1, new byte[] {9}),
            new CommittedEntry(3, 1, CounterCommands.add(10, 16)),
            new CommittedEntry(5, 2, CounterCommands.get()));
    List<byte[]> r = sm.apply(batch);
    assertEquals(4, r.size());
    assertEquals(1, CounterCommands.decodeValue(r.get(0)));
    assertArrayEquals(CounterCommands.rejected(), r.get(1));
    assertEquals(11, CounterCommands.decodeValue(r.get(2)));
    assertEquals(11, CounterCommands.decodeValue(r.get(3)));
    assertEquals(5, sm.lastApplied(), "indexes may skip; lastApplied is the last entry's");
  }

  @Test
  void overflowIsRefusedAndLeavesTheValueUnchanged() {
    assertEquals(Long.MAX_VALUE - 1, add(Long.MAX_VALUE - 1));
    assertEquals(Long.MAX_VALUE, add(1));
    byte[] r = apply(CounterCommands.add(1));
    assertArrayEquals(CounterCommands.rejected(), r);
    assertThrows(CommandRejectedException.class, () -> CounterCommands.decodeValue(r));
    assertEquals(Long.MAX_VALUE, value());
    assertEquals(3, sm.lastApplied(), "a refused add still counts as applied");
    assertArrayEquals(CounterCommands.rejected(), apply(CounterCommands.add(Long.MAX_VALUE)));

    assertEquals(-1, add(Long.MIN_VALUE));
    assertEquals(Long.MIN_VALUE, add(Long.MIN_VALUE + 1));
    assertArrayEquals(CounterCommands.rejected(), apply(CounterCommands.add(-1)));
    assertArrayEquals(CounterCommands.rejected(), apply(CounterCommands.add(Long.MIN_VALUE)));
    assertEquals(Long.MIN_VALUE, value());
    assertEquals(-1, add(Long.MAX_VALUE), "adds within range still work");
  }

  @Test
  void malformedCommandsGetTheRejectionAndChangeNothing() {
    assertEquals(40, add(40));
    byte[][] bad = {
      new byte[0],
      {0},
      {3, 0, 0, 0, 0, 0, 0, 0, 1},
      {(byte) 0xFF, 0, 0, 0, 0, 0, 0, 0, 1},
      {CounterCommands.ADD},
      {CounterCommands.ADD, 0, 0, 0, 0, 0, 0, 1},
      null,
      "add 5".getBytes(StandardCharsets.UTF_8)
    };
    for (byte[] cmd : bad) {
      long before = sm.lastApplied();
      byte[] r = apply(cmd);
      assertArrayEquals(new byte[] {(byte) 0xFF}, r, "result of a malformed command");
      assertThrows(CommandRejectedException.class, () -> CounterCommands.decodeValue(r));
      assertEquals(40, value());
      assertEquals(before + 1, sm.lastApplied(), "the entry is applied as a no-op, never skipped");
    }
    assertEquals(41, add(1));
  }

  @Test
  void malformedQueriesGetTheRejection() {
    add(3);
    for (byte[] q : new byte[][] {new byte[0], CounterCommands.add(1), {7}, null}) {
      assertArrayEquals(CounterCommands.rejected(), sm.query(q));
    }
    assertEquals(3, value(), "a query never changes the state");
  }

  @Test
  void snapshotRestoresValueAndLastAppliedIntoAnotherMachine() throws IOException {
    add(17);
    add(-20);
    apply(CounterCommands.get());
    byte[] snap = snapshotOf(sm);
    assertEquals(CounterStateMachine.SNAPSHOT_SIZE, snap.length);

    CounterStateMachine other = new CounterStateMachine();
    other.apply(List.of(new CommittedEntry(1, 1, CounterCommands.add(1000))));
    other.restore(new ByteArrayInputStream(snap));
    assertEquals(-3, CounterCommands.decodeValue(other.query(CounterCommands.get())));
    assertEquals(3, other.lastApplied());
    assertArrayEquals(snap, snapshotOf(other), "the restored machine writes the same snapshot");

    // Applying continues from the restored state.
    List<byte[]> r = other.apply(List.of(new CommittedEntry(4, 1, CounterCommands.add(5))));
    assertEquals(2, CounterCommands.decodeValue(r.get(0)));
    assertEquals(4, other.lastApplied());
  }

  @Test
  void emptyMachineSnapshotRoundTrips() throws IOException {
    CounterStateMachine other = new CounterStateMachine();
    other.restore(new ByteArrayInputStream(snapshotOf(new CounterStateMachine())));
    assertEquals(0, other.lastApplied());
    assertEquals(0, CounterCommands.decodeValue(other.query(CounterCommands.get())));
  }

  @Test
  void everyCorruptedByteIsRefusedAndTheStateKept() throws IOException {
    add(123_456_789);
    byte[] snap = snapshotOf(sm);
    CounterStateMachine target = new CounterStateMachine();
    target.apply(List.of(new CommittedEntry(1, 1, CounterCommands.add(7))));
    for (int i = 0; i < snap.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] bad = snap.clone();
        bad[i] ^= (byte) (1 << bit);
        IOException e =
            assertThrows(
                IOException.class,
                () -> target.restore(new ByteArrayInputStream(bad)),
                "byte " + i + " bit " + bit);
        String m = e.getMessage();
        assertTrue(m.contains("counter snapshot"), m);
        if (i < 4) assertTrue(m.startsWith("not a counter snapshot"), m);
        else if (i < 8) assertTrue(m.startsWith("unsupported counter snapshot version"), m);
        else assertTrue(m.startsWith("corrupt counter snapshot"), m);
        assertEquals(
            7, CounterCommands.decodeValue(target.query(CounterCommands.get())), "state kept");
        assertEquals(1, target.lastApplied());
      }
    }
  }

  @Test
  void truncatedAndForeignStreamsAreRefused() throws IOException {
    add(9);
    byte[] snap = snapshotOf(sm);
    CounterStateMachine target = new CounterStateMachine();
    for (int len = 4; len < snap.length; len++) {
      byte[] part = java.util.Arrays.copyOf(snap, len);
      IOException e =
          assertThrows(IOException.class, () -> target.restore(new ByteArrayInputStream(part)));
      assertTrue(
          e.getMessage().startsWith("truncated counter snapshot: " + len + " of 28 bytes"),
          e.getMessage());
    }
    assertTrue(
        assertThrows(IOException.class, () -> target.restore(new ByteArrayInputStream(new byte[0])))
            .getMessage()
            .startsWith("truncated counter snapshot: 0 of"));
    byte[] foreign = "{\"counter\": 9, \"lastApplied\": 1}".getBytes(StandardCharsets.UTF_8);
    IOException e =
        assertThrows(IOException.class, () -> target.restore(new ByteArrayInputStream(foreign)));
    assertTrue(
        e.getMessage().startsWith("not a counter snapshot: magic 0x7B22636F"), e.getMessage());
    assertThrows(IOException.class, () -> target.restore(new ByteArrayInputStream(new byte[28])));
    assertEquals(0, target.lastApplied());
    assertEquals(0, CounterCommands.decodeValue(target.query(CounterCommands.get())));
  }

  /**
   * Queries and snapshots on other threads while the apply thread adds 1 per entry: every read sees
   * a value that only grows, and every snapshot pairs a value with its own index (value == index).
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void queriesAndSnapshotsAreSafeWhileApplyRuns() throws Exception {
    final int batches = 5_000;
    final int perBatch = 40;
    final long total = (long) batches * perBatch;
    AtomicBoolean done = new AtomicBoolean();
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    AtomicLong reads = new AtomicLong();
    AtomicLong snapshots = new AtomicLong();
    List<Thread> readers = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      boolean snapshotter = t == 1;
      Thread reader =
          new Thread(
              () -> {
                try {
                  long last = 0;
                  do {
                    if (snapshotter) {
                      CounterStateMachine copy = new CounterStateMachine();
                      copy.restore(new ByteArrayInputStream(snapshotOf(sm)));
                      long v = CounterCommands.decodeValue(copy.query(CounterCommands.get()));
                      assertEquals(
                          copy.lastApplied(), v, "a snapshot's value belongs to its index");
                      snapshots.incrementAndGet();
                    } else {
                      long v = value();
                      assertTrue(v >= last && v <= total, "value went from " + last + " to " + v);
                      last = v;
                      reads.incrementAndGet();
                    }
                  } while (!done.get());
                } catch (Throwable e) {
                  failures.add(e);
                }
              },
              "reader-" + t);
      readers.add(reader);
      reader.start();
    }
    long index = 1;
    for (int b = 0; b < batches && failures.isEmpty(); b++) {
      List<CommittedEntry> batch = new ArrayList<>(perBatch);
      for (int i = 0; i < perBatch; i++)
        batch.add(new CommittedEntry(index++, 1, CounterCommands.add(1, 16)));
      List<byte[]> r = sm.apply(batch);
      assertEquals(index - 1, CounterCommands.decodeValue(r.get(perBatch - 1)));
    }
    done.set(true);
    for (Thread reader : readers) {
      reader.join(TimeUnit.SECONDS.toMillis(10));
      assertFalse(reader.isAlive(), reader.getName() + " did not stop");
    }
    if (!failures.isEmpty()) throw new AssertionError("reader failed", failures.peek());
    assertEquals(total, value());
    assertEquals(total, sm.lastApplied());
    assertTrue(
        reads.get() > 0 && snapshots.get() > 0, "reads " + reads + ", snapshots " + snapshots);
  }
}
