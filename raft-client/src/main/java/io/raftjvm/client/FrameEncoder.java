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
 * Framing.Batch} goes out as its frames back to back in one buffer. Stateless: one instance serves
 * every connection.
 */
@Sharable
final class FrameEncoder extends MessageToByteEncoder<Object> {
  FrameEncoder() {
    super(Object.class);
  }

  @Override
  public boolean acceptOutboundMessage(Object msg) {
    return msg instanceof MessageLite || msg instanceof Framing.Batch;
  }

  @Override
  protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Object msg, boolean preferDirect) {
    int size = 0;
    if (msg instanceof Framing.Batch batch) {
      for (MessageLite m : batch.messages())
        size += Framing.LENGTH_BYTES + m.getSerializedSize(); // memoized by the message
    } else {
      size = Framing.LENGTH_BYTES + ((MessageLite) msg).getSerializedSize();
    }
    return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Object msg, ByteBuf out) throws IOException {
    if (msg instanceof Framing.Batch batch) {
      for (MessageLite m : batch.messages()) frame(m, out);
    } else {
      frame((MessageLite) msg, out);
    }
  }

  private static void frame(MessageLite msg, ByteBuf out) throws IOException {
    int size = msg.getSerializedSize();
    out.ensureWritable(Framing.LENGTH_BYTES + size);
    out.writeInt(size);
    int at = out.writerIndex();
    CodedOutputStream cos = CodedOutputStream.newInstance(out.internalNioBuffer(at, size));
    msg.writeTo(cos);
    cos.checkNoSpaceLeft();
    out.writerIndex(at + size);
  }
}
