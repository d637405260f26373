package io.raftjvm.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.raftjvm.client.tls.RaftIdentity;
import java.security.cert.X509Certificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a connection this server opened to peer {@code peerId} over TLS: once the handshake is done,
 * the peer's certificate must name that node ({@code raft://<cluster-id>/node/<id>}), or the
 * connection is closed with one warning. Nothing is sent before the handshake completes.
 */
final class PeerIdentityCheck extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(PeerIdentityCheck.class);

  private final String clusterId;
  private final long peerId;

  PeerIdentityCheck(String clusterId, long peerId) {
    this.clusterId = clusterId;
    this.peerId = peerId;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof SslHandshakeCompletionEvent done) {
      if (!done.isSuccess()) {
        LOG.warn(
            "TLS handshake with peer {} at {} failed: {}",
            peerId,
            ctx.channel().remoteAddress(),
            io.raftjvm.client.tls.NettyTls.reason(done.cause()));
      } else {
        X509Certificate c = TlsLayer.peerCertificate(ctx.channel());
        if (c == null || !RaftIdentity.namesNode(c, clusterId, peerId)) {
          LOG.warn(
              "closing the connection to peer {} at {}: it presented {}, not {}",
              peerId,
              ctx.channel().remoteAddress(),
              c == null ? "no certificate" : RaftIdentity.describe(c),
              RaftIdentity.nodeUri(clusterId, peerId));
          ctx.close();
          return;
        }
      }
    }
    super.userEventTriggered(ctx, evt);
  }
}
