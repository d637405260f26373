package io.raftjvm.runtime;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * One session's saved results by sequence number (thesis §6.3), from its first unacknowledged
 * command on. Clients number their commands 1, 2, 3, ... and acknowledge them roughly in order, so
 * the live sequences form a window: a ring of slots indexed by sequence number, grown to the
 * window's width, and cleared slot by slot as the window's start moves up. That is an array store
 * per command where a sorted map made an entry, boxed keys and rebalancing.
 *
 * <p>A client may skip far ahead (a bug, or a hostile client): results at least {@link #MAX_RING}
 * beyond the window's start go to a sorted map instead, so a gap costs no memory and a ring at most
 * 32 KiB. Everything here is a function of the calls made, in their order, so replicas that apply
 * the same log hold the same results; {@link #forEach} visits them in sequence order, as the
 * snapshot format wants.
 */
final class SessionResults {
  /** The widest window kept in the ring (results beyond it go to {@link #far}). */
  static final int MAX_RING = 4096;

  /** Slot (sequence & (length - 1)) holds the result of that sequence in [lo, lo + length). */
  private byte[][] ring = new byte[8][];

  /** Results in the ring. */
  private int inRing;

  /** Sequences below this were acknowledged; none is held. */
  private long lo = 1;

  /** Results too far ahead for the ring when they were saved; null while none is. */
  private TreeMap<Long, byte[]> far;

  byte[] get(long sequence) {
    if (sequence < lo) return null;
    if (sequence - lo < ring.length) {
      byte[] r = ring[slot(sequence)];
      if (r != null) return r;
    }
    return far == null ? null : far.get(sequence);
  }

  /** Saves the result of sequence, at or above {@link #first()}. */
  void put(long sequence, byte[] result) {
    if (sequence < lo) throw new IllegalArgumentException(sequence + " is below " + lo);
    long offset = sequence - lo;
    if (offset >= ring.length) {
      if (offset >= MAX_RING) {
        if (far == null) far = new TreeMap<>();
        far.put(sequence, result);
        return;
      }
      grow((int) offset + 1);
    }
    int i = slot(sequence);
    if (ring[i] == null) inRing++;
    ring[i] = result;
    if (far != null && far.remove(sequence) != null && far.isEmpty()) far = null;
  }

  /** The client acknowledged every command below first: their results are dropped. */
  void dropBelow(long first) {
    if (first <= lo) return;
    if (first - lo >= ring.length) {
      Arrays.fill(ring, null);
      inRing = 0;
    } else {
      for (long s = lo; s < first; s++) {
        int i = slot(s);
        if (ring[i] != null) {
          ring[i] = null;
          inRing--;
        }
      }
    }
    lo = first;
    if (far != null) {
      far.headMap(first).clear();
      if (far.isEmpty()) far = null;
    }
  }

  /** The lowest sequence whose result may be held. */
  long first() {
    return lo;
  }

  int size() {
    return inRing + (far == null ? 0 : far.size());
  }

  /** Told of a saved result. */
  @FunctionalInterface
  interface Visitor<E extends Exception> {
    void visit(long sequence, byte[] result) throws E;
  }

  /** Visits every result held, in increasing sequence order. */
  <E extends Exception> void forEach(Visitor<E> visit) throws E {
    Iterator<Map.Entry<Long, byte[]>> fars = far == null ? null : far.entrySet().iterator();
    Map.Entry<Long, byte[]> nextFar = fars != null && fars.hasNext() ? fars.next() : null;
    for (long s = lo; s < lo + ring.length; s++) {
      byte[] r = ring[slot(s)];
      if (r == null) continue;
      while (nextFar != null && nextFar.getKey() < s) {
        visit.visit(nextFar.getKey(), nextFar.getValue());
        nextFar = fars.hasNext() ? fars.next() : null;
      }
      visit.visit(s, r);
    }
    while (nextFar != null) {
      visit.visit(nextFar.getKey(), nextFar.getValue());
      nextFar = fars.hasNext() ? fars.next() : null;
    }
  }

  private int slot(long sequence) {
    return (int) (sequence & (ring.length - 1));
  }

  /** Widens the ring to hold at least width sequences from lo. */
  private void grow(int width) {
    int n = Integer.highestOneBit(width - 1) << 1;
    byte[][] bigger = new byte[Math.max(n, ring.length * 2)][];
    for (long s = lo; s < lo + ring.length; s++) {
      byte[] r = ring[slot(s)];
      if (r != null) bigger[(int) (s & (bigger.length - 1))] = r;
    }
    ring = bigger;
  }
}
