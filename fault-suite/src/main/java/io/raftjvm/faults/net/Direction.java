package io.raftjvm.faults.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One direction of a proxied connection: the chunks read from the source, each with the time it may
 * be delivered (delay, jitter and bandwidth applied when it was read; never earlier than the chunk
 * before it, since TCP does not reorder), written to the destination when that time comes unless
 * the link is stalled. Stops reading from the source while it holds more than the proxy's limit or
 * the destination is not writable.
 *
 * <p>Not thread-safe: runs on its connection's event loop.
 */
final class Direction {
  private record Chunk(ByteBuf buf, long at) {}

  private final LinkProxy proxy;
  private final Channel src;
  private final Channel dst;
  private final ArrayDeque<Chunk> queue = new ArrayDeque<>();
  private long heldBytes;

  /** The delivery time of the last chunk queued: the next one is never earlier. */
  private long lastAt = Long.MIN_VALUE;

  /** When the capped link has sent everything queued so far. */
  private long busyUntil = Long.MIN_VALUE;

  /**
   * Delivery no earlier than this, and stalls ignored: what a reset sender left, delivered late.
   */
  private long lateAt = Long.MIN_VALUE;

  private boolean late;
  private boolean sourceClosed;
  private boolean dead;
  private ScheduledFuture<?> timer;
  private long timerAt;

  Direction(LinkProxy proxy, Channel src, Channel dst) {
    this.proxy = proxy;
    this.src = src;
    this.dst = dst;
  }

  void read(ByteBuf buf) {
    if (dead || late) {
      buf.release();
      return;
    }
    LinkFaults f = proxy.currentFaults();
    long now = System.nanoTime();
    long bytes = buf.readableBytes();
    long at =
        now + TimeUnit.MILLISECONDS.toNanos(f.delayMillis()) + proxy.jitterNanos(f.jitterMillis());
    if (f.bytesPerSecond() > 0) {
      busyUntil = Math.max(busyUntil, now) + bytes * 1_000_000_000L / f.bytesPerSecond();
      at = Math.max(at, busyUntil);
    }
    at = Math.max(at, lastAt);
    lastAt = at;
    queue.add(new Chunk(buf, at));
    heldBytes += bytes;
    proxy.held(bytes);
    drain();
  }

  /** Delivers what is due (unless stalled), schedules the rest, and adjusts reading. */
  void drain() {
    if (dead) return;
    boolean stalled = proxy.currentFaults().stalled() && !late;
    if (!stalled) {
      long now = System.nanoTime();
      boolean wrote = false;
      while (!queue.isEmpty() && queue.peek().at() <= now) {
        Chunk c = queue.poll();
        int n = c.buf().readableBytes();
        heldBytes -= n;
        proxy.held(-n);
        proxy.forwarded(n);
        dst.write(c.buf(), dst.voidPromise());
        wrote = true;
      }
      if (wrote) dst.flush();
      if (queue.isEmpty() && sourceClosed) {
        dead = true;
        dst.close();
        return;
      }
      if (!queue.isEmpty()) schedule(queue.peek().at(), now);
    }
    updateReading();
  }

  private void schedule(long at, long now) {
    if (timer != null && timerAt <= at) return;
    if (timer != null) timer.cancel(false);
    timerAt = at;
    timer =
        src.eventLoop()
            .schedule(
                () -> {
                  timer = null;
                  drain();
                },
                Math.max(0, at - now),
                TimeUnit.NANOSECONDS);
  }

  /** Reads from the source only while it holds little and the destination takes more. */
  void updateReading() {
    if (dead || sourceClosed || late || !src.isActive()) return;
    long max = proxy.maxHeldBytes();
    if (heldBytes >= max || !dst.isWritable()) {
      src.config().setAutoRead(false);
    } else if (heldBytes < max / 2 && !src.config().isAutoRead()) {
      src.config().setAutoRead(true);
    }
  }

  /** The source closed normally: deliver what it sent, then close the destination. */
  void sourceClosed() {
    sourceClosed = true;
    drain();
  }

  /** What is held is delivered no earlier than atNanos, stall or not; nothing more is read. */
  void deliverNoEarlierThan(long atNanos) {
    late = true;
    lateAt = atNanos;
    ArrayDeque<Chunk> shifted = new ArrayDeque<>();
    for (Chunk c : queue) shifted.add(new Chunk(c.buf(), Math.max(c.at(), lateAt)));
    queue.clear();
    queue.addAll(shifted);
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    if (queue.isEmpty()) {
      // Nothing was held: the upstream side stays open until the late time anyway, then closes.
      src.eventLoop()
          .schedule(
              () -> {
                if (!dead) {
                  dead = true;
                  dst.close();
                }
              },
              Math.max(0, lateAt - System.nanoTime()),
              TimeUnit.NANOSECONDS);
      return;
    }
    schedule(queue.peek().at(), System.nanoTime());
  }

  /** Nothing more is delivered; what is held is dropped. */
  void kill() {
    if (dead) return;
    dead = true;
    if (timer != null) timer.cancel(false);
    for (Chunk c : queue) c.buf().release();
    queue.clear();
    proxy.held(-heldBytes);
    heldBytes = 0;
  }
}
