package io.raftjvm.client;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.ssl.SslContext;
import io.raftjvm.client.proto.ClientResponse;
import java.net.InetSocketAddress;

/**
 * Assembles the pipeline of one client connection: 4-byte length framing and protobuf codecs, then
 * {@link ClientResponseHandler}. Used for one channel only (it carries that channel's connection).
 */
final class RaftClientInitializer extends ChannelInitializer<Channel> {
  private static final ProtobufDecoder DECODER =
      new ProtobufDecoder(ClientResponse.getDefaultInstance());

  private final ClientConnection connection;

  /** Largest response frame accepted, counting its 4-byte length prefix. */
  private final int maxFrameBytes;

  /** TLS towards the server, or null. */
  private final SslContext ssl;

  private final InetSocketAddress remote;

  RaftClientInitializer(
      ClientConnection connection, int maxFrameBytes, SslContext ssl, InetSocketAddress remote) {
    this.connection = connection;
    this.maxFrameBytes = maxFrameBytes;
    this.ssl = ssl;
    this.remote = remote;
  }

  @Override
  protected void initChannel(Channel ch) {
    ChannelPipeline p = ch.pipeline();
    if (ssl != null)
      p.addLast("tls", ssl.newHandler(ch.alloc(), remote.getHostString(), remote.getPort()));
    Framing.addCodec(
        p,
        new LengthFieldBasedFrameDecoder(
            maxFrameBytes, 0, Framing.LENGTH_BYTES, 0, Framing.LENGTH_BYTES),
        DECODER);
    p.addLast("handler", new ClientResponseHandler(connection));
  }
}
