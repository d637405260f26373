package io.raftjvm.core.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Inflights: the leader's pipeline window to one follower (count and byte caps)")
class InflightsTest {

  /** The window is full at maxCount appends; adding more is a bug. Ref: thesis §10.2.1. */
  @Test
  void fullByCount() {
    Inflights in = new Inflights(3, 0);
    in.add(1, 10);
    in.add(2, 10);
    assertFalse(in.full());
    in.add(3, 10);
    assertTrue(in.full());
    assertEquals(3, in.count());
    assertThrows(IllegalStateException.class, () -> in.add(4, 10));
  }

  /** The window is also full once the bytes in flight reach maxBytes. */
  @Test
  void fullByBytes() {
    Inflights in = new Inflights(100, 10);
    in.add(1, 4);
    assertFalse(in.full());
    in.add(2, 5);
    assertFalse(in.full(), "9 < 10 bytes");
    in.add(3, 1);
    assertTrue(in.full(), "10 >= 10 bytes");
    assertEquals(10, in.bytes());
    in.freeLE(1);
    assertFalse(in.full());
    assertEquals(6, in.bytes());
  }

  /** maxBytes 0 means no byte cap at all. */
  @Test
  void zeroMaxBytesMeansNoByteCap() {
    Inflights in = new Inflights(2, 0);
    in.add(1, Long.MAX_VALUE / 4);
    assertFalse(in.full());
  }

  /** Appends are recorded in increasing index order; anything else is a bug. */
  @Test
  void indexesMustIncrease() {
    Inflights in = new Inflights(4, 0);
    in.add(5, 1);
    assertThrows(IllegalStateException.class, () -> in.add(5, 1));
    assertThrows(IllegalStateException.class, () -> in.add(4, 1));
    in.add(6, 1);
    assertEquals(2, in.count());
  }

  /** An ack of index i frees every append ending at or below i, and no other. */
  @Test
  void freeLEFreesAPrefix() {
    Inflights in = new Inflights(10, 0);
    for (long i = 1; i <= 5; i++) in.add(i * 10, i);
    in.freeLE(9);
    assertEquals(5, in.count(), "nothing ends at or below 9");
    in.freeLE(25);
    assertEquals(3, in.count());
    assertEquals(3 + 4 + 5, in.bytes());
    in.freeLE(25);
    assertEquals(3, in.count(), "a duplicate ack frees nothing more");
    in.freeLE(1_000);
    assertEquals(0, in.count());
    assertEquals(0, in.bytes());
  }

  /** A heartbeat answer lets exactly one append through a full window. */
  @Test
  void freeFirstOneFreesTheOldest() {
    Inflights in = new Inflights(2, 0);
    in.add(3, 7);
    in.add(9, 2);
    in.freeFirstOne();
    assertEquals(1, in.count());
    assertEquals(2, in.bytes());
    assertFalse(in.full());
    in.freeFirstOne();
    in.freeFirstOne();
    assertEquals(0, in.count());
  }

  /** The ring buffer keeps its order as it wraps around. */
  @Test
  void ringWrapsAround() {
    Inflights in = new Inflights(3, 0);
    long next = 1;
    for (int round = 0; round < 10; round++) {
      while (!in.full()) in.add(next++, 1);
      in.freeLE(next - 3); // frees the oldest of three
      assertEquals(2, in.count(), "round " + round);
      in.add(next++, 1);
      in.freeLE(next - 2); // leaves only the newest
      assertEquals(1, in.count(), "round " + round);
    }
    long newest = next - 1;
    assertThrows(
        IllegalStateException.class, () -> in.add(newest, 1), "order is checked across the wrap");
  }

  @Test
  void resetEmptiesTheWindow() {
    Inflights in = new Inflights(2, 5);
    in.add(1, 5);
    assertTrue(in.full());
    in.reset();
    assertEquals(0, in.count());
    assertEquals(0, in.bytes());
    in.add(1, 1);
    assertEquals(1, in.count());
  }

  @Test
  void rejectsBadCaps() {
    assertThrows(IllegalArgumentException.class, () -> new Inflights(0, 0));
    assertThrows(IllegalArgumentException.class, () -> new Inflights(1, -1));
  }

  /** Random add/free sequences agree with a plain queue model. Prints the seed on failure. */
  @Test
  void matchesAQueueModel() {
    for (long seed = 0; seed < 200; seed++) {
      SplittableRandom rnd = new SplittableRandom(seed);
      int cap = 1 + rnd.nextInt(8);
      long maxBytes = rnd.nextBoolean() ? 0 : 1 + rnd.nextInt(40);
      Inflights in = new Inflights(cap, maxBytes);
      ArrayDeque<long[]> model = new ArrayDeque<>();
      long last = 0;
      for (int op = 0; op < 300; op++) {
        String where = "seed=" + seed + " op=" + op;
        int kind = rnd.nextInt(4);
        if (kind <= 1 && !in.full()) {
          last += 1 + rnd.nextInt(3);
          long size = rnd.nextInt(10);
          in.add(last, size);
          model.add(new long[] {last, size});
        } else if (kind == 2) {
          long to = last - rnd.nextInt(6);
          in.freeLE(to);
          while (!model.isEmpty() && model.peek()[0] <= to) model.poll();
        } else {
          in.freeFirstOne();
          model.poll();
        }
        long bytes = model.stream().mapToLong(e -> e[1]).sum();
        assertEquals(model.size(), in.count(), where);
        assertEquals(bytes, in.bytes(), where);
        assertEquals(model.size() == cap || (maxBytes > 0 && bytes >= maxBytes), in.full(), where);
      }
    }
  }
}
