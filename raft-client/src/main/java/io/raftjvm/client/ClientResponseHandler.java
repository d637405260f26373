package io.raftjvm.client;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.raftjvm.client.proto.ClientResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes a connection's responses to its {@link ClientConnection} and reports when the connection
 * ends. A response that does not decode closes the connection (one warning line); the requests on
 * it then fail or retry as for any lost connection. Per channel, not {@code @Sharable}.
 */
final class ClientResponseHandler extends SimpleChannelInboundHandler<ClientResponse> {
  private static final Logger LOG = LoggerFactory.getLogger(ClientResponseHandler.class);

  private final ClientConnection connection;

  ClientResponseHandler(ClientConnection connection) {
    this.connection = connection;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, ClientResponse response) {
    connection.onResponse(response);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent e && e.isSuccess()) {
      connection.handshaken();
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    connection.onClosed(null);
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!ctx.channel().isOpen()) {
      return;
    }
    connection.failed(cause);
    if (cause instanceof IOException) {
      LOG.debug("connection to {} failed: {}", connection.address, cause.toString());
    } else {
      LOG.warn("closing connection to {}: {}", connection.address, cause.toString());
    }
    ctx.close();
  }
}
