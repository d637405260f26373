package io.raftjvm.client;

import com.google.protobuf.MessageLite;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import java.util.List;

/**
 * The framing of every connection, client and peer alike: each frame is a 4-byte big-endian length,
 * then that many bytes of one protobuf message. One place builds the codec part of a pipeline, so
 * that the two ports and the client cannot drift apart.
 */
public final class Framing {
  /** The length prefix; frame limits count it. */
  public static final int LENGTH_BYTES = 4;

  private static final FrameEncoder ENCODER = new FrameEncoder();

  private Framing() {}

  /**
   * Messages written as one buffer, each its own frame: one allocation and one write for a burst
   * (the answers of a batch, the requests of one loop pass) instead of one per message.
   */
  public record Batch(List<? extends MessageLite> messages) {}

  /** What to write for messages: the message itself when there is one, else a {@link Batch}. */
  public static Object frames(List<? extends MessageLite> messages) {
    return messages.size() == 1 ? messages.get(0) : new Batch(messages);
  }

  /**
   * Adds, in this order: frameDecoder (which splits the stream into frames and strips the length,
   * enforcing the connection's limits), decoder (of the message type this side receives; sharable),
   * and the {@link FrameEncoder}. Handlers added after these see messages.
   */
  public static void addCodec(
      ChannelPipeline p, ChannelHandler frameDecoder, ProtobufDecoder decoder) {
    p.addLast("frameDecoder", frameDecoder);
    p.addLast("protobufDecoder", decoder);
    p.addLast("frameEncoder", ENCODER);
  }
}
