package io.raftjvm.transport;

import io.netty.handler.codec.DecoderException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes that incomplete frames may hold, together, on all the connections of one port. Each
 * {@link FrameDecoder} charges what its unfinished frame holds and gives it back when the frame
 * completes or the connection ends; a charge that would take the total over the limit is refused
 * and that connection closed. Bounds the memory that connections sending large frames slowly (or
 * never finishing them) can pin, whatever their number.
 *
 * <p>Thread-safe: the decoders of one port run on several event loops.
 */
final class FrameBudget {
  /** A budget that refuses nothing (outbound peer connections: we chose whom to connect to). */
  static final FrameBudget UNLIMITED = new FrameBudget(Long.MAX_VALUE);

  private final long limit;
  private final AtomicLong used = new AtomicLong();

  FrameBudget(long limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
    this.limit = limit;
  }

  long limit() {
    return limit;
  }

  /** Bytes charged now. */
  long used() {
    return used.get();
  }

  /**
   * Adds {@code delta} (negative to give bytes back) to what is charged. Returns false, charging
   * nothing, when a positive delta would take the total over the limit.
   */
  boolean charge(long delta) {
    if (delta <= 0) {
      used.addAndGet(delta);
      return true;
    }
    for (; ; ) {
      long now = used.get();
      if (now + delta > limit) {
        return false;
      }
      if (used.compareAndSet(now, now + delta)) {
        return true;
      }
    }
  }

  /** A connection's incomplete frame would have taken its port over the budget. */
  static final class ExceededException extends DecoderException {
    private static final long serialVersionUID = 1L;

    ExceededException(long limit) {
      super(
          "incomplete frames on this port would hold more than the budget of " + limit + " bytes");
    }
  }
}
