package io.raftjvm.client;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.codec.protobuf.ProtobufEncoder;
import io.raftjvm.client.proto.ClientResponse;

/**
 * Assembles the pipeline of one client connection: 4-byte length framing and protobuf codecs, then
 * {@link ClientResponseHandler}. Used for one channel only (it carries that channel's connection).
 */
final class RaftClientInitializer extends ChannelInitializer<Channel> {
  private static final ProtobufDecoder DECODER =
      new ProtobufDecoder(ClientResponse.getDefaultInstance());
  private static final ProtobufEncoder ENCODER = new ProtobufEncoder();
  private static final LengthFieldPrepender PREPENDER = new LengthFieldPrepender(4);

  private final ClientConnection connection;

  /** Largest response frame accepted, counting its 4-byte length prefix. */
  private final int maxFrameBytes;

  RaftClientInitializer(ClientConnection connection, int maxFrameBytes) {
    this.connection = connection;
    this.maxFrameBytes = maxFrameBytes;
  }

  @Override
  protected void initChannel(Channel ch) {
    ChannelPipeline p = ch.pipeline();
    p.addLast("frameDecoder", new LengthFieldBasedFrameDecoder(maxFrameBytes, 0, 4, 0, 4));
    p.addLast("protobufDecoder", DECODER);
    p.addLast("framePrepender", PREPENDER);
    p.addLast("protobufEncoder", ENCODER);
    p.addLast("handler", new ClientResponseHandler(connection));
  }
}
