package io.raftjvm.client;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.raftjvm.client.tls.NettyTls;
import io.raftjvm.client.tls.RaftIdentity;
import io.raftjvm.client.tls.TlsMaterial;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The client's side of TLS: its context from {@link RaftClientOptions#tls()} (read and checked
 * once, when the client is made: a bad file fails {@link RaftClient#create} with the file named),
 * and the check that a server's certificate names a server of the expected cluster.
 */
final class ClientTls {
  private ClientTls() {}

  /** The client's TLS context, or null for plaintext. */
  static SslContext context(RaftClientOptions options) {
    RaftClientOptions.Tls t = options.tls();
    if (t == null) return null;
    TlsMaterial m = TlsMaterial.load(t.certFile(), t.keyFile(), t.caFile());
    return NettyTls.client(m, t.protocols(), NettyTls.provider("auto"));
  }

  /**
   * Null if the server on ch proved to be a server of clusterId ("": any server the CA vouches
   * for), else why not.
   */
  static String checkServer(Channel ch, String clusterId) {
    if (clusterId.isEmpty()) return null;
    try {
      Certificate[] certs =
          ch.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates();
      X509Certificate c = (X509Certificate) certs[0];
      return RaftIdentity.namesSomeNode(c, clusterId)
          ? null
          : "the server at "
              + ch.remoteAddress()
              + " presented "
              + RaftIdentity.describe(c)
              + ", not a server of cluster '"
              + clusterId
              + "'";
    } catch (SSLPeerUnverifiedException e) {
      return "the server at " + ch.remoteAddress() + " presented no certificate";
    }
  }

  /** Whether t, or one of its causes, is a TLS failure. */
  static boolean isTls(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof javax.net.ssl.SSLException) return true;
    }
    return false;
  }
}
