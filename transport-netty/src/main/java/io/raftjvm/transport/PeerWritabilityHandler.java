package io.raftjvm.transport;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * On an outbound peer channel: when the channel turns unwritable (its outbound buffer passed the
 * high-water mark), runs {@code onUnwritable}, which reports the peer unreachable so that the
 * leader stops pipelining to it instead of queueing.
 *
 * <p>Holds only the callback and is {@link Sharable}: one instance serves every channel that one
 * {@link PeerConnection} opens.
 */
@Sharable
final class PeerWritabilityHandler extends ChannelInboundHandlerAdapter {
  private final Runnable onUnwritable;

  PeerWritabilityHandler(Runnable onUnwritable) {
    this.onUnwritable = onUnwritable;
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (!ctx.channel().isWritable()) {
      onUnwritable.run();
    }
    ctx.fireChannelWritabilityChanged();
  }
}
