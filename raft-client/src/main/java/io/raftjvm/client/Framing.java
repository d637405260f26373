package io.raftjvm.client;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.raftjvm.client.proto.ClientRequest;
import java.io.IOException;
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
   * (the answers of a batch, the requests of one loop pass) instead of one per message. Each is a
   * {@link MessageLite} or a {@link Request}.
   */
  public record Batch(List<?> messages) {}

  /**
   * What to write for messages ({@link MessageLite}s or {@link Request}s): the message itself when
   * there is one, else a {@link Batch}.
   */
  public static Object frames(List<?> messages) {
    return messages.size() == 1 ? messages.get(0) : new Batch(messages);
  }

  /**
   * A client request to frame as template with request_id id: exactly the bytes of the message
   * built with that request_id (the field comes first either way), without building it. A call
   * keeps one template across its attempts, each with its own request_id.
   */
  public record Request(ClientRequest template, long id) {
    public Request {
      if (template.getRequestId() != 0) {
        throw new IllegalArgumentException("a template carries no request_id");
      }
    }

    /** Bytes of the frame's body. */
    int size() {
      return (id == 0 ? 0 : CodedOutputStream.computeUInt64Size(REQUEST_ID, id))
          + template.getSerializedSize(); // memoized by the message
    }

    void writeTo(CodedOutputStream out) throws IOException {
      if (id != 0) out.writeUInt64(REQUEST_ID, id);
      template.writeTo(out);
    }

    private static final int REQUEST_ID = ClientRequest.REQUEST_ID_FIELD_NUMBER;
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
