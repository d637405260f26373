package io.raftjvm.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last handler of a pipeline: any exception closes the connection. A protocol problem (frame too
 * long, bytes that do not decode, a port's frame budget exceeded) or anything unexpected, an {@code
 * Error} such as {@code OutOfMemoryError} included, is logged as one warning line naming the remote
 * address and the cause, never with a stack trace: the input comes from a remote party, and one
 * connection's failure must not flood the log. I/O errors (reset, broken pipe) are logged only at
 * DEBUG, as the loss of a connection is reported elsewhere. Errors arriving after the close (the
 * rest of a read burst) are not logged. The process keeps serving other connections.
 *
 * <p>Stateless and {@link Sharable}: one instance may serve every channel.
 */
@Sharable
final class CloseOnErrorHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(CloseOnErrorHandler.class);

  private final String what;

  /** {@code what} names the connection in the log line, e.g. "peer connection from". */
  CloseOnErrorHandler(String what) {
    this.what = what;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!ctx.channel().isOpen()) {
      return; // already closing: one line per connection is enough
    }
    if (cause instanceof IOException) {
      LOG.debug("closing {} {}: {}", what, ctx.channel().remoteAddress(), cause.toString());
    } else {
      LOG.warn("closing {} {}: {}", what, ctx.channel().remoteAddress(), describe(cause));
    }
    ctx.close();
  }

  static String describe(Throwable cause) {
    if (cause instanceof TooLongFrameException) {
      return cause.getMessage().startsWith("a TLS handshake")
          ? cause.getMessage()
          : "frame too long (" + cause.getMessage() + ")";
    }
    if (cause instanceof FrameBudget.ExceededException) {
      return cause.getMessage();
    }
    if (cause instanceof DecoderException && cause.getCause() != null) {
      Throwable inner = cause.getCause();
      if (inner instanceof InvalidProtocolBufferException) {
        return "undecodable frame (" + inner.getMessage() + ")";
      }
      return "undecodable frame (" + inner + ")";
    }
    return "unexpected error (" + cause + ")";
  }
}
