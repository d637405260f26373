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
 * protobuf encoder made two buffers per message and a promise combining their writes.) Stateless:
 * one instance serves every connection.
 */
@Sharable
final class FrameEncoder extends MessageToByteEncoder<MessageLite> {
  FrameEncoder() {
    super(MessageLite.class);
  }

  @Override
  protected ByteBuf allocateBuffer(
      ChannelHandlerContext ctx, MessageLite msg, boolean preferDirect) {
    int size = Framing.LENGTH_BYTES + msg.getSerializedSize(); // memoized by the message
    return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, MessageLite msg, ByteBuf out)
      throws IOException {
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
