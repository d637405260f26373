package io.raftjvm.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a TLS handshake this server refused (plaintext on a TLS port, no client certificate where
 * one is required, a certificate from a CA it does not trust, an expired one) as one warning naming
 * the remote host and the reason; a host that keeps trying is logged at a slowing rate.
 */
final class TlsRefusals extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(TlsRefusals.class);
  private static final RepeatedWarnings REPEATED = new RepeatedWarnings(System::nanoTime);

  private final String port;

  TlsRefusals(String port) {
    this.port = port;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
      String host = host(ctx.channel().remoteAddress());
      io.netty.handler.ssl.SslHandler tls =
          ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class);
      String explained =
          tls == null ? null : io.raftjvm.client.tls.ExplainingTrustManager.reasonFor(tls.engine());
      String reason =
          explained != null ? explained : io.raftjvm.client.tls.NettyTls.reason(done.cause());
      String line =
          REPEATED.occurred(
              port + " " + host + " " + reason,
              "refused a TLS connection from " + host + " on the " + port + ": " + reason);
      if (line != null) LOG.warn(line);
    }
    super.userEventTriggered(ctx, evt);
  }

  private static String host(SocketAddress a) {
    return a instanceof InetSocketAddress i ? i.getAddress().getHostAddress() : String.valueOf(a);
  }
}
