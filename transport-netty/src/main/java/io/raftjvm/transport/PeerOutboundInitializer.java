package io.raftjvm.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.raftjvm.proto.PeerFrame;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles the pipeline of a connection this server opens to a peer: {@link PeerCodec}, then the
 * {@link PeerWritabilityHandler}, then {@link CloseOnErrorHandler}. The connection carries frames
 * out; the peer answers Raft messages over its own connection to us. The one frame it may send back
 * here is a {@link io.raftjvm.proto.PeerNotice} (this server is not in its configuration), handed
 * to the listener; anything else is decoded and discarded.
 *
 * <p>{@link Sharable} (as every {@code ChannelInitializer}): immutable, one per peer connection.
 */
@Sharable
final class PeerOutboundInitializer extends ChannelInitializer<Channel> {
  private static final Logger LOG = LoggerFactory.getLogger(PeerOutboundInitializer.class);
  private static final CloseOnErrorHandler ON_ERROR = new CloseOnErrorHandler("peer connection to");

  private final int maxFrameBytes;
  private final PeerWritabilityHandler writability;
  private final NoticeHandler notices;

  private final java.util.function.Supplier<TlsLayer> tls;
  private final String clusterId;
  private final long peerId;

  PeerOutboundInitializer(
      int maxFrameBytes,
      PeerWritabilityHandler writability,
      Consumer<String> onNotMember,
      java.util.function.Supplier<TlsLayer> tls,
      String clusterId,
      long peerId) {
    this.maxFrameBytes = maxFrameBytes;
    this.writability = writability;
    this.notices = new NoticeHandler(peerId, onNotMember);
    this.tls = tls;
    this.clusterId = clusterId;
    this.peerId = peerId;
  }

  @Override
  protected void initChannel(Channel ch) {
    TlsLayer layer = tls.get();
    layer.addTo(ch);
    if (ch.pipeline().get("tls") != null) {
      ch.pipeline().addLast("identity", new PeerIdentityCheck(clusterId, peerId));
    }
    PeerCodec.addTo(ch.pipeline(), new FrameDecoder(maxFrameBytes, FrameBudget.UNLIMITED));
    ch.pipeline().addLast("notices", notices);
    ch.pipeline().addLast("writability", writability);
    ch.pipeline().addLast("onError", ON_ERROR);
  }

  /**
   * Hands a peer's notices to the listener, and logs a refusal (once while it stays the same: the
   * connection is retried); drops every other frame (nothing else comes back). Runs on the node
   * loop, where the peer's connections are registered.
   */
  @Sharable
  private static final class NoticeHandler extends ChannelInboundHandlerAdapter {
    private final long peerId;
    private final Consumer<String> onNotMember;
    private String lastRefusal;

    NoticeHandler(long peerId, Consumer<String> onNotMember) {
      this.peerId = peerId;
      this.onNotMember = onNotMember;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof PeerFrame f) {
        if (f.hasNotice() && !f.getNotice().getNotMember().isEmpty())
          onNotMember.accept(f.getNotice().getNotMember());
        if (f.hasNotice() && !f.getNotice().getRefused().isEmpty()) {
          String refusal = f.getNotice().getRefused();
          if (refusal.equals(lastRefusal)) LOG.debug("peer {}: {}", peerId, refusal);
          else LOG.warn("peer {}: {}", peerId, refusal);
          lastRefusal = refusal;
        }
        return;
      }
      ctx.fireChannelRead(msg);
    }
  }
}
