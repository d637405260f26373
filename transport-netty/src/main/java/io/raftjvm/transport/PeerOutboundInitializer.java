package io.raftjvm.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelInitializer;

/**
 * Assembles the pipeline of a connection this server opens to a peer: {@link PeerCodec}, then the
 * {@link PeerWritabilityHandler}, then {@link CloseOnErrorHandler}. The connection only carries
 * frames out; the peer answers over its own connection to us, so anything it might send here is
 * decoded and discarded by the pipeline's tail.
 *
 * <p>{@link Sharable} (as every {@code ChannelInitializer}): immutable, one per peer connection.
 */
@Sharable
final class PeerOutboundInitializer extends ChannelInitializer<Channel> {
  private static final CloseOnErrorHandler ON_ERROR = new CloseOnErrorHandler("peer connection to");

  private final int maxFrameBytes;
  private final PeerWritabilityHandler writability;

  PeerOutboundInitializer(int maxFrameBytes, PeerWritabilityHandler writability) {
    this.maxFrameBytes = maxFrameBytes;
    this.writability = writability;
  }

  @Override
  protected void initChannel(Channel ch) {
    PeerCodec.addTo(ch.pipeline(), new FrameDecoder(maxFrameBytes, FrameBudget.UNLIMITED));
    ch.pipeline().addLast("writability", writability);
    ch.pipeline().addLast("onError", ON_ERROR);
  }
}
