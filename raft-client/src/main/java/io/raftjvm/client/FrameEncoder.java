package io.raftjvm.client;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.io.IOException;

/**
 * Writes a protobuf message as one frame ({@link Framing}): the 4-byte big-endian length, then the
 * message, serialized straight into one buffer of exactly that size. (A length prepender after a
 * protobuf encoder made two buffers per message and a promise combining their writes.) A {@link
 * Framing.Batch} goes out as its frames back to back in one buffer, through one encoder. A {@link
 * Framing.Request} goes out as the message it stands for. Stateless: one instance serves every
 * connection.
 */
@Sharable
final class FrameEncoder extends MessageToByteEncoder<Object> {
  FrameEncoder() {
    super(Object.class);
  }

  @Override
  public boolean acceptOutboundMessage(Object msg) {
    return msg instanceof MessageLite
        || msg instanceof Framing.Request
        || msg instanceof Framing.Batch;
  }

  @Override
  protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Object msg, boolean preferDirect) {
    int size = framedSize(msg);
    return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
  }

  /** Bytes of msg's frames, length prefixes included. */
  private static int framedSize(Object msg) {
    if (!(msg instanceof Framing.Batch batch)) return Framing.LENGTH_BYTES + bodySize(msg);
    int size = 0;
    for (Object m : batch.messages()) size += Framing.LENGTH_BYTES + bodySize(m);
    return size;
  }

  private static int bodySize(Object msg) {
    return msg instanceof Framing.Request r
        ? r.size()
        : ((MessageLite) msg).getSerializedSize(); // memoized by the message
  }

  /** Every frame of msg through one encoder over the bytes they take. */
  @Override
  protected void encode(ChannelHandlerContext ctx, Object msg, ByteBuf out) throws IOException {
    int size = framedSize(msg);
    out.ensureWritable(size);
    int at = out.writerIndex();
    CodedOutputStream cos = CodedOutputStream.newInstance(out.internalNioBuffer(at, size));
    if (msg instanceof Framing.Batch batch) {
      for (Object m : batch.messages()) frame(m, cos);
    } else {
      frame(msg, cos);
    }
    cos.checkNoSpaceLeft();
    out.writerIndex(at + size);
  }

  private static void frame(Object msg, CodedOutputStream out) throws IOException {
    int size = bodySize(msg);
    out.write((byte) (size >>> 24)); // the length, big-endian
    out.write((byte) (size >>> 16));
    out.write((byte) (size >>> 8));
    out.write((byte) size);
    if (msg instanceof Framing.Request r) {
      r.writeTo(out);
    } else {
      ((MessageLite) msg).writeTo(out);
    }
  }
}
