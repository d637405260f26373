package io.raftjvm.client;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.codec.protobuf.ProtobufEncoder;

/**
 * The framing of every connection, client and peer alike: each frame is a 4-byte big-endian length,
 * then that many bytes of one protobuf message. One place builds the codec part of a pipeline, so
 * that the two ports and the client cannot drift apart.
 */
public final class Framing {
  /** The length prefix; frame limits count it. */
  public static final int LENGTH_BYTES = 4;

  private static final LengthFieldPrepender PREPENDER = new LengthFieldPrepender(LENGTH_BYTES);
  private static final ProtobufEncoder ENCODER = new ProtobufEncoder();

  private Framing() {}

  /**
   * Adds, in this order: frameDecoder (which splits the stream into frames and strips the length,
   * enforcing the connection's limits), decoder (of the message type this side receives; sharable),
   * the length prepender and the protobuf encoder. Handlers added after these see messages.
   */
  public static void addCodec(
      ChannelPipeline p, ChannelHandler frameDecoder, ProtobufDecoder decoder) {
    p.addLast("frameDecoder", frameDecoder);
    p.addLast("protobufDecoder", decoder);
    p.addLast("framePrepender", PREPENDER);
    p.addLast("protobufEncoder", ENCODER);
  }
}
