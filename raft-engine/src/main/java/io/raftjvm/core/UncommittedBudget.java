package io.raftjvm.core;

import java.util.ArrayDeque;

/**
 * Leader: the entry bytes it has appended and not yet committed (RaftConfig.maxUncommittedBytes).
 * Once the budget is spent, proposals are refused until commits release it, so a leader that cannot
 * reach a quorum does not grow its log without bound. Cleared on every role change.
 */
final class UncommittedBudget {
  /** Appended batches not yet committed, oldest first, as {lastIndex, bytes}. */
  private final ArrayDeque<long[]> batches = new ArrayDeque<>();

  private final long max;
  private long bytes;

  UncommittedBudget(long max) {
    this.max = max;
  }

  /** Whether a proposal of n bytes fits (always when nothing is pending, or without a limit). */
  boolean admits(long n) {
    return max == 0 || bytes == 0 || bytes + n <= max;
  }

  /** A batch appended up to lastIndex. */
  void add(long lastIndex, long n) {
    batches.addLast(new long[] {lastIndex, n});
    bytes += n;
  }

  /** Forgets the batches that are now committed. */
  void release(long committed) {
    while (!batches.isEmpty() && batches.peekFirst()[0] <= committed) {
      bytes -= batches.pollFirst()[1];
    }
  }

  void clear() {
    batches.clear();
    bytes = 0;
  }

  long bytes() {
    return bytes;
  }
}
