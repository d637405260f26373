package io.raftjvm.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Splits a connection's bytes into frames: a 4-byte big-endian length, then that many bytes, passed
 * on without the length. A frame's size counts its length field (as Netty's
 * {@code LengthFieldBasedFrameDecoder} with these settings does): a frame over the limit fails the
 * connection with a {@link TooLongFrameException} as soon as its length has arrived, and nothing
 * after it is decoded.
 *
 * <p>The limit can be raised while the connection runs ({@link #raiseLimit()}): an accepted peer
 * connection keeps a small one until its hello is accepted. Replacing the decoder in the pipeline
 * instead would pass the bytes it holds on undecoded.
 *
 * <p>Stateful: one instance per channel (not {@code @Sharable}).
 */
final class FrameDecoder extends ByteToMessageDecoder {
  static final int LENGTH_BYTES = 4;

  /** The limit once raised, in bytes, counting the length field. */
  private final int maxFrameBytes;
  /** The limit now. Loop only. */
  private int limit;
  /** A frame was too long: everything after it is dropped until the connection closes. */
  private boolean failed;

  /** A decoder whose limit is {@code maxFrameBytes} from the start. */
  FrameDecoder(int maxFrameBytes) {
    this(maxFrameBytes, maxFrameBytes);
  }

  /** A decoder limited to {@code firstLimit} (at most maxFrameBytes) until {@link #raiseLimit()}. */
  FrameDecoder(int firstLimit, int maxFrameBytes) {
    if (firstLimit <= LENGTH_BYTES || maxFrameBytes <= LENGTH_BYTES) {
      throw new IllegalArgumentException(
          "frame limits must exceed " + LENGTH_BYTES + ": " + firstLimit + ", " + maxFrameBytes);
    }
    this.maxFrameBytes = maxFrameBytes;
    this.limit = Math.min(firstLimit, maxFrameBytes);
  }

  /** From now on frames up to maxFrameBytes are accepted. Call on the channel's loop. */
  void raiseLimit() {
    limit = maxFrameBytes;
  }

  /** The largest frame accepted now, counting its length field. */
  int limit() {
    return limit;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (in.readableBytes() < LENGTH_BYTES) {
      return;
    }
    long frameBytes = LENGTH_BYTES + in.getUnsignedInt(in.readerIndex());
    if (frameBytes > limit) {
      failed = true;
      in.skipBytes(in.readableBytes());
      throw new TooLongFrameException(frameBytes + " bytes announced, limit " + limit);
    }
    if (in.readableBytes() >= frameBytes) {
      in.skipBytes(LENGTH_BYTES);
      out.add(in.readRetainedSlice((int) frameBytes - LENGTH_BYTES));
    }
  }
}
