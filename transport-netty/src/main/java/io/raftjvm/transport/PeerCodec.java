package io.raftjvm.transport;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.codec.protobuf.ProtobufEncoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.raftjvm.proto.PeerFrame;

/**
 * The framing of a peer connection, shared by both ends: a 4-byte big-endian length, then a {@link
 * PeerFrame}. Adds, in order: {@link FlushConsolidationHandler}, the caller's {@link FrameDecoder}
 * (which sets the frame limits), the protobuf decoder, the length prepender and the protobuf
 * encoder. Callers append their own handler and then a {@link CloseOnErrorHandler}.
 */
final class PeerCodec {
  private static final ProtobufEncoder ENCODER = new ProtobufEncoder(); // @Sharable
  private static final LengthFieldPrepender PREPENDER = new LengthFieldPrepender(4); // @Sharable
  private static final ProtobufDecoder DECODER =
      new ProtobufDecoder(PeerFrame.getDefaultInstance()); // @Sharable

  private PeerCodec() {}

  static void addTo(ChannelPipeline p, FrameDecoder frameDecoder) {
    p.addLast("flush", new FlushConsolidationHandler());
    p.addLast("frameDecoder", frameDecoder);
    p.addLast("protobufDecoder", DECODER);
    p.addLast("framePrepender", PREPENDER);
    p.addLast("protobufEncoder", ENCODER);
  }
}
