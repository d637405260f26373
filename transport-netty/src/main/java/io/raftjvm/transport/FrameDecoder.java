package io.raftjvm.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;
import java.util.Objects;

/**
 * Splits a connection's bytes into frames: a 4-byte big-endian length, then that many bytes, passed
 * on without the length. A frame's size counts its length field (as Netty's {@code
 * LengthFieldBasedFrameDecoder} with these settings does): a frame over the limit fails the
 * connection with a {@link TooLongFrameException} as soon as its length has arrived, and nothing
 * after it is decoded.
 *
 * <p>While a frame is incomplete, the bytes held for it are charged to the port's {@link
 * FrameBudget}; they are given back when the frame completes, the decoder fails or the connection
 * ends. A charge the budget refuses fails the connection with a {@link
 * FrameBudget.ExceededException}. Either failure is logged and the connection closed by the
 * pipeline's last handler.
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

  /** What the bytes held for incomplete frames are charged to; shared by a port's connections. */
  private final FrameBudget budget;

  /** The limit now. Loop only. */
  private int limit;

  /** Bytes charged to the budget now. Loop only. */
  private long charged;

  /** A frame was refused: everything after it is dropped until the connection closes. */
  private boolean failed;

  /** The connection ended or the decoder left the pipeline: nothing is charged any more. */
  private boolean closed;

  /** A decoder whose limit is {@code maxFrameBytes} from the start. */
  FrameDecoder(int maxFrameBytes, FrameBudget budget) {
    this(maxFrameBytes, maxFrameBytes, budget);
  }

  /**
   * A decoder limited to {@code firstLimit} (at most maxFrameBytes) until {@link #raiseLimit()}.
   */
  FrameDecoder(int firstLimit, int maxFrameBytes, FrameBudget budget) {
    if (firstLimit <= LENGTH_BYTES || maxFrameBytes <= LENGTH_BYTES) {
      throw new IllegalArgumentException(
          "frame limits must exceed " + LENGTH_BYTES + ": " + firstLimit + ", " + maxFrameBytes);
    }
    this.maxFrameBytes = maxFrameBytes;
    this.budget = Objects.requireNonNull(budget, "budget");
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
    if (in.readableBytes() >= LENGTH_BYTES) {
      long frameBytes = LENGTH_BYTES + in.getUnsignedInt(in.readerIndex());
      if (frameBytes > limit) {
        // A TLS record (handshake, version 3.x) where a length was expected: a client with TLS on.
        boolean tls =
            in.getUnsignedByte(in.readerIndex()) == 0x16
                && in.getUnsignedByte(in.readerIndex() + 1) == 0x03;
        fail(in);
        throw new TooLongFrameException(
            tls
                ? "a TLS handshake on a plaintext port (the other side has TLS on, this server"
                    + " has raft.tls.enabled = false)"
                : frameBytes + " bytes announced, limit " + limit);
      }
      if (in.readableBytes() >= frameBytes) {
        in.skipBytes(LENGTH_BYTES);
        out.add(in.readRetainedSlice((int) frameBytes - LENGTH_BYTES));
        release(); // a rest is charged when decode() is called for it
        return;
      }
    }
    if (closed) {
      return; // the last decode after the connection ended: nothing more is held
    }
    if (!budget.charge(in.readableBytes() - charged)) {
      fail(in);
      throw new FrameBudget.ExceededException(budget.limit());
    }
    charged = in.readableBytes();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    closed = true;
    try {
      super.channelInactive(ctx); // decodes what is left, then frees it
    } finally {
      release();
    }
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    closed = true;
    release();
  }

  /** Drops everything from now on and gives the charge back. */
  private void fail(ByteBuf in) {
    failed = true;
    in.skipBytes(in.readableBytes());
    release();
  }

  private void release() {
    if (charged != 0) {
      budget.charge(-charged);
      charged = 0;
    }
  }
}
