package io.raftjvm.core.tracker;

/**
 * The appends a leader has sent to one follower and not yet seen acknowledged: a ring buffer of
 * (last index, bytes), capped both by count and by total bytes. It bounds how far the leader
 * pipelines ahead of a follower in REPLICATE state.
 *
 * <p>Invariant: indexes are added in increasing order, so freeing is a prefix pop.
 */
public final class Inflights {
  /** Cap on the number of appends in flight. */
  private final int maxCount;

  /** Cap on the payload bytes in flight; 0 means no byte cap. */
  private final long maxBytes;

  private final long[] index;
  private final long[] bytes;

  /** Ring position of the oldest inflight append. */
  private int start;

  private int count;

  /** Sum of the bytes of the appends in flight. */
  private long totalBytes;

  public Inflights(int maxCount, long maxBytes) {
    if (maxCount <= 0)
      throw new IllegalArgumentException("inflight count cap must be positive: " + maxCount);
    if (maxBytes < 0)
      throw new IllegalArgumentException("inflight byte cap must not be negative: " + maxBytes);
    this.maxCount = maxCount;
    this.maxBytes = maxBytes;
    this.index = new long[maxCount];
    this.bytes = new long[maxCount];
  }

  /** Records an append whose last entry is lastIndex. */
  public void add(long lastIndex, long size) {
    if (count == maxCount)
      throw new IllegalStateException("cannot add into a full inflights window");
    if (count > 0 && lastIndex <= index[(start + count - 1) % maxCount]) {
      throw new IllegalStateException("inflight index " + lastIndex + " is not increasing");
    }
    int slot = (start + count) % maxCount;
    index[slot] = lastIndex;
    bytes[slot] = size;
    count++;
    totalBytes += size;
  }

  /** Frees every append whose last index is at or below to (they are acknowledged). */
  public void freeLE(long to) {
    while (count > 0 && index[start] <= to) {
      totalBytes -= bytes[start];
      start = (start + 1) % maxCount;
      count--;
    }
    if (count == 0) start = 0;
  }

  /** Frees the oldest append: lets one probe through a full window. */
  public void freeFirstOne() {
    if (count > 0) freeLE(index[start]);
  }

  public boolean full() {
    return count == maxCount || (maxBytes > 0 && totalBytes >= maxBytes);
  }

  public int count() {
    return count;
  }

  public long bytes() {
    return totalBytes;
  }

  public void reset() {
    start = 0;
    count = 0;
    totalBytes = 0;
  }
}
