package io.raftjvm.runtime;

/**
 * When each log index reached some stage (appended, committed), for latency metrics: a bounded ring
 * of (index, nanos) marks in increasing index order, one per batch, no allocation per mark. When
 * the ring is full the newest mark is dropped (a batch goes unmeasured, the figures stay right).
 * One thread only.
 */
final class IndexTimes {
  private final long[] index;
  private final long[] nanos;
  private int head;
  private int size;

  IndexTimes(int capacity) {
    index = new long[capacity];
    nanos = new long[capacity];
  }

  /** Index reached the stage at nanos; ignored unless above the newest mark. */
  void mark(long idx, long at) {
    if (size == index.length) return;
    if (size > 0 && index[(head + size - 1) % index.length] >= idx) return;
    int tail = (head + size) % index.length;
    index[tail] = idx;
    nanos[tail] = at;
    size++;
  }

  /** Every mark at or below idx reached the next stage at now: each one's wait goes to sink. */
  void reach(long idx, long now, java.util.function.LongConsumer sink) {
    while (size > 0 && index[head] <= idx) {
      sink.accept(now - nanos[head]);
      head = (head + 1) % index.length;
      size--;
    }
  }

  /** Forgets every mark (leadership lost: what was appended may never commit). */
  void clear() {
    head = 0;
    size = 0;
  }

  int size() {
    return size;
  }
}
