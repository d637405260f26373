package io.raftjvm.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.raftjvm.client.Framing;
import io.raftjvm.client.proto.ClientRequest;
import java.util.Objects;

/**
 * Assembles a client connection's pipeline: flush consolidation first, then 4-byte length framing
 * ({@link FrameDecoder}, charging incomplete frames to the port's {@link FrameBudget}) and protobuf
 * codecs, then {@link ClientRequestHandler}, then {@link CloseOnErrorHandler}: any failure of the
 * connection is one log line naming the client's address, and the connection is closed.
 * {@code @Sharable}: the stateless codecs are shared, the stateful handlers are created per
 * channel.
 */
@Sharable
final class ClientServerInitializer extends ChannelInitializer<Channel> {
  private static final ProtobufDecoder DECODER =
      new ProtobufDecoder(ClientRequest.getDefaultInstance());
  private static final CloseOnErrorHandler ON_ERROR =
      new CloseOnErrorHandler("client connection from");

  private final ClientService service;

  /** Largest frame accepted, in bytes, counting the 4-byte length prefix. */
  private final int maxFrameBytes;

  /** Shared by every connection of the port: bytes held by incomplete frames. */
  private final FrameBudget budget;

  /** Unanswered requests allowed per connection. */
  private final int maxOutstanding;

  /** Where accepted channels are registered; null when nobody tracks them (tests). */
  private final ChannelGroup connections;

  ClientServerInitializer(
      ClientService service,
      int maxFrameBytes,
      FrameBudget budget,
      int maxOutstanding,
      ChannelGroup connections) {
    this.service = Objects.requireNonNull(service, "service");
    if (maxFrameBytes <= 4) {
      throw new IllegalArgumentException("maxFrameBytes must exceed 4: " + maxFrameBytes);
    }
    if (maxOutstanding <= 0) {
      throw new IllegalArgumentException("maxOutstanding must be positive: " + maxOutstanding);
    }
    this.maxFrameBytes = maxFrameBytes;
    this.budget = Objects.requireNonNull(budget, "budget");
    this.maxOutstanding = maxOutstanding;
    this.connections = connections;
  }

  /** TLS in front of each new connection; plaintext by default. */
  volatile TlsLayer tls = TlsLayer.PLAINTEXT;

  @Override
  protected void initChannel(Channel ch) {
    if (connections != null) {
      connections.add(ch);
    }
    tls.addTo(ch);
    ChannelPipeline p = ch.pipeline();
    // consolidateWhenNoReadInProgress: responses completing outside a read burst coalesce too.
    p.addLast(
        "flush",
        new FlushConsolidationHandler(
            FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
    Framing.addCodec(p, new FrameDecoder(maxFrameBytes, budget), DECODER);
    p.addLast("handler", new ClientRequestHandler(service, maxOutstanding));
    p.addLast("onError", ON_ERROR);
  }
}
