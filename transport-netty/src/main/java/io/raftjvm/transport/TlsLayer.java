package io.raftjvm.transport;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.function.Function;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Puts TLS at the front of a new connection's pipeline (a fresh {@link SslHandler} from the context
 * in force when the connection opens: rotated certificates apply to new connections); {@link
 * #PLAINTEXT} adds nothing. On a port that accepts, a refused handshake (plaintext, no certificate,
 * an untrusted one) is logged as one warning ({@link TlsRefusals}).
 */
@FunctionalInterface
public interface TlsLayer {
  TlsLayer PLAINTEXT = ch -> null;

  /** A fresh handler for ch (the connection's first handler), or null for plaintext. */
  SslHandler newHandler(Channel ch);

  /** The accepting port's name for refusal warnings ("client port"), or null: not logged here. */
  default String port() {
    return null;
  }

  /** Adds the layer's handlers first on ch's pipeline (nothing for plaintext). */
  default void addTo(Channel ch) {
    SslHandler h = newHandler(ch);
    if (h == null) return;
    ch.pipeline().addFirst("tls", h);
    if (port() != null) ch.pipeline().addAfter("tls", "tlsRefusals", new TlsRefusals(port()));
  }

  /** A layer for an accepting port named port (its refused handshakes are logged). */
  static TlsLayer accepting(String port, Function<Channel, SslHandler> handlers) {
    return new TlsLayer() {
      @Override
      public SslHandler newHandler(Channel ch) {
        return handlers.apply(ch);
      }

      @Override
      public String port() {
        return port;
      }
    };
  }

  /** The certificate the other side of ch presented, or null (plaintext, none, not yet). */
  static X509Certificate peerCertificate(Channel ch) {
    SslHandler h = ch.pipeline().get(SslHandler.class);
    if (h == null) return null;
    try {
      Certificate[] c = h.engine().getSession().getPeerCertificates();
      return c.length > 0 && c[0] instanceof X509Certificate x ? x : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }
}
