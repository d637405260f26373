package io.raftjvm.faults.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;

/**
 * One accepted connection of a {@link LinkProxy} and its partner to the target, with a {@link
 * Direction} each way. A side that closes normally has what it sent delivered before the other side
 * is closed; a side that fails (a reset) resets the other at once.
 *
 * <p>Not thread-safe: everything runs on the accepted channel's event loop, which the upstream
 * channel shares.
 */
final class ProxiedConnection {
  private final LinkProxy proxy;
  private final Channel in;
  private Channel out;

  /** in → out: what the connecting server sends. */
  private Direction forward;

  /** out → in: what the target answers on the same connection. */
  private Direction backward;

  private boolean inClosed;
  private boolean outClosed;

  ProxiedConnection(LinkProxy proxy, Channel in) {
    this.proxy = proxy;
    this.in = in;
    in.pipeline().addLast(new Side());
    in.closeFuture()
        .addListener(
            f -> {
              inClosed = true;
              maybeGone();
            });
  }

  /** The channel to the target, before it connects. */
  void upstream(Channel out) {
    this.out = out;
    this.forward = new Direction(proxy, in, out);
    this.backward = new Direction(proxy, out, in);
    out.pipeline().addLast(new Side());
    out.closeFuture()
        .addListener(
            f -> {
              outClosed = true;
              maybeGone();
            });
  }

  /** Both sides connected: forwarding starts. */
  void start() {
    if (!in.isActive()) {
      reset();
      return;
    }
    forward.updateReading();
    backward.updateReading();
  }

  void execute(Runnable r) {
    in.eventLoop().execute(r);
  }

  void faultsChanged() {
    if (forward == null) return;
    forward.drain();
    backward.drain();
  }

  /** Both sides reset now; nothing held is delivered. */
  void reset() {
    if (forward != null) {
      forward.kill();
      backward.kill();
    }
    rst(in);
    if (out != null) rst(out);
  }

  /**
   * The connecting side is reset (its server reconnects at once); what it sent and the proxy still
   * holds reaches the target no earlier than atNanos, after which the upstream side closes.
   */
  void resetSenderDeliverLate(long atNanos) {
    if (forward == null) {
      reset();
      return;
    }
    backward.kill();
    forward.deliverNoEarlierThan(atNanos);
    rst(in);
  }

  private static void rst(Channel ch) {
    if (ch.isOpen()) {
      if (ch.isActive()) ch.config().setOption(ChannelOption.SO_LINGER, 0);
      ch.close();
    }
  }

  private void maybeGone() {
    if (inClosed && (out == null || outClosed)) proxy.closed(this);
  }

  /** The direction whose source is ch, and the one writing into it. */
  private Direction from(Channel ch) {
    return ch == in ? forward : backward;
  }

  private Direction into(Channel ch) {
    return ch == in ? backward : forward;
  }

  /** Handles events of either channel. Stateless apart from its connection: one per channel. */
  private final class Side extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      Direction d = forward == null ? null : from(ctx.channel());
      if (d == null) {
        ((ByteBuf) msg).release();
      } else {
        d.read((ByteBuf) msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (forward == null) {
        reset();
        return;
      }
      // What this side sent is still delivered, then the other side closes; nothing can be
      // delivered to this side any more.
      from(ctx.channel()).sourceClosed();
      into(ctx.channel()).kill();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (forward != null) into(ctx.channel()).updateReading();
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // A reset or an I/O error on one side: the other side sees a reset too, as it would on a
      // real link that broke.
      reset();
    }
  }
}
