package io.raftjvm.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelInitializer;
import java.util.function.LongPredicate;

/**
 * Assembles the pipeline of an accepted peer connection: {@link PeerCodec} (flush consolidation,
 * framing, protobuf), then a new {@link PeerInboundHandler}, then {@link CloseOnErrorHandler}. The
 * frame decoder takes small frames only until the handler accepts the peer's hello, and charges
 * incomplete frames to the port's {@link FrameBudget}.
 *
 * <p>{@link Sharable} (as every {@code ChannelInitializer}): immutable, one instance per server.
 */
@Sharable
final class PeerServerInitializer extends ChannelInitializer<Channel> {
  private static final CloseOnErrorHandler ON_ERROR =
      new CloseOnErrorHandler("peer connection from");

  private final String clusterId;
  private final long selfId;
  private final LongPredicate knownPeers;
  private final MessageSink sink;
  private final int maxFrameBytes;

  /** Shared by every connection of the port. */
  private final FrameBudget budget;

  /** Shared by every connection of the port: repeated refusals of one peer are logged sparingly. */
  private final RepeatedWarnings refusals = new RepeatedWarnings(System::nanoTime);

  PeerServerInitializer(
      String clusterId,
      long selfId,
      LongPredicate knownPeers,
      MessageSink sink,
      int maxFrameBytes,
      FrameBudget budget) {
    this.clusterId = clusterId;
    this.selfId = selfId;
    this.knownPeers = knownPeers; // asked live: the server admits members as they join
    this.sink = sink;
    this.maxFrameBytes = maxFrameBytes;
    this.budget = budget;
  }

  /** TLS in front of each new connection; plaintext by default. */
  volatile TlsLayer tls = TlsLayer.PLAINTEXT;

  @Override
  protected void initChannel(Channel ch) {
    tls.addTo(ch);
    PeerCodec.addTo(
        ch.pipeline(),
        new FrameDecoder(PeerInboundHandler.MAX_FRAME_BYTES_BEFORE_HELLO, maxFrameBytes, budget));
    ch.pipeline()
        .addLast("peer", new PeerInboundHandler(clusterId, selfId, knownPeers, sink, refusals));
    ch.pipeline().addLast("onError", ON_ERROR);
  }
}
