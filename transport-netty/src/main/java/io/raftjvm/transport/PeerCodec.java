package io.raftjvm.transport;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.raftjvm.client.Framing;
import io.raftjvm.proto.PeerFrame;

/**
 * The pipeline of a peer connection, shared by both ends: {@link FlushConsolidationHandler}, then
 * the common {@link Framing} of {@link PeerFrame}s with the caller's {@link FrameDecoder} (which
 * sets the frame limits). Callers append their own handler and then a {@link CloseOnErrorHandler}.
 */
final class PeerCodec {
  private static final ProtobufDecoder DECODER =
      new ProtobufDecoder(PeerFrame.getDefaultInstance()); // @Sharable

  private PeerCodec() {}

  static void addTo(ChannelPipeline p, FrameDecoder frameDecoder) {
    p.addLast("flush", new FlushConsolidationHandler());
    Framing.addCodec(p, frameDecoder, DECODER);
  }
}
