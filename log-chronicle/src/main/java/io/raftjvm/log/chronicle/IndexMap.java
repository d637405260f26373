package io.raftjvm.log.chronicle;

import java.util.Arrays;

/**
 * Raft index to queue index (and term) for the live part of the log, rebuilt by scanning the queue
 * on open. Written by the writer thread only; read by the node's thread.
 *
 * <p>Publication: a reader takes {@link #view} once and reads only indexes it knows are durable,
 * whose slots the writer never touches again (appends go past them, truncation starts above them,
 * compaction publishes a fresh View). Array growth and compaction replace the View; the old one
 * stays valid for what it holds.
 */
final class IndexMap {
  /** An immutable frame; the arrays' slots at or below {@code last} are never rewritten. */
  record View(long base, long baseTerm, long[] queueIndex, long[] terms) {}

  private volatile View view;

  /** Last Raft index present; {@code view.base} when empty. */
  private volatile long last;

  IndexMap(long base, long baseTerm) {
    reset(base, baseTerm);
  }

  View view() {
    return view;
  }

  long base() {
    return view.base();
  }

  long last() {
    return last;
  }

  /** Empties the map: the log now starts after base. */
  void reset(long base, long baseTerm) {
    view = new View(base, baseTerm, new long[1024], new long[1024]);
    last = base;
  }

  /** Records that Raft index (term) is at queue index; index must be last + 1. */
  void append(long index, long term, long queueIndex) {
    if (index != last + 1)
      throw new IllegalStateException("index map: appending " + index + " after " + last);
    View v = view;
    int slot = (int) (index - v.base() - 1);
    if (slot >= v.queueIndex().length) {
      int cap = Math.max(slot + 1, v.queueIndex().length * 2);
      v =
          new View(
              v.base(),
              v.baseTerm(),
              Arrays.copyOf(v.queueIndex(), cap),
              Arrays.copyOf(v.terms(), cap));
      view = v;
    }
    v.queueIndex()[slot] = queueIndex;
    v.terms()[slot] = term;
    last = index;
  }

  /** Drops every index from index on. */
  void truncateFrom(long index) {
    if (index <= view.base())
      throw new IllegalStateException(
          "index map: truncating " + index + " at or below base " + view.base());
    if (index <= last) last = index - 1;
  }

  /** Forgets everything up to and including index (which must be present or the base). */
  void compactTo(long index) {
    View v = view;
    if (index <= v.base()) return;
    long l = last;
    if (index > l)
      throw new IllegalStateException("index map: compacting to " + index + " beyond last " + l);
    long term = termIn(v, index);
    int from = (int) (index - v.base());
    int count = (int) (l - index);
    int cap = Math.max(1024, count * 2);
    long[] q = new long[cap];
    long[] t = new long[cap];
    System.arraycopy(v.queueIndex(), from, q, 0, count);
    System.arraycopy(v.terms(), from, t, 0, count);
    view = new View(index, term, q, t);
  }

  static long termIn(View v, long index) {
    return index == v.base() ? v.baseTerm() : v.terms()[(int) (index - v.base() - 1)];
  }

  static long queueIndexIn(View v, long index) {
    return v.queueIndex()[(int) (index - v.base() - 1)];
  }
}
