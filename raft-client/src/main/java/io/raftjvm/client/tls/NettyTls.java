package io.raftjvm.client.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Netty {@link SslContext}s from checked {@link TlsMaterial}: OpenSSL (netty-tcnative BoringSSL)
 * when asked for or, with "auto", when it loads; the JDK's provider otherwise. Peers are
 * authenticated by their certificate chain and the raft:// URIs it names ({@link RaftIdentity}),
 * not by host names: servers are reached by address, and their identity is their node id.
 */
public final class NettyTls {
  private NettyTls() {}

  /** The provider for "auto", "openssl" or "jdk"; "openssl" when it does not load is an error. */
  public static SslProvider provider(String choice) {
    return switch (choice) {
      case "auto" -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
      case "jdk" -> SslProvider.JDK;
      case "openssl" -> {
        if (!OpenSsl.isAvailable()) {
          throw new TlsFileException(
              "the OpenSSL provider does not load here ("
                  + OpenSsl.unavailabilityCause()
                  + "); use provider = auto or jdk");
        }
        yield SslProvider.OPENSSL;
      }
      default ->
          throw new IllegalArgumentException(
              "TLS provider must be auto, openssl or jdk, got '" + choice + "'");
    };
  }

  /** The root cause's message of a TLS failure, for one-line errors and warnings. */
  public static String reason(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) c = c.getCause();
    return c.getMessage() != null ? c.getMessage() : c.toString();
  }

  /** The context of the side that connects: presents its certificate if it has one. */
  public static SslContext client(TlsMaterial m, List<String> protocols, SslProvider provider) {
    try {
      SslContextBuilder b =
          SslContextBuilder.forClient()
              .sslProvider(provider)
              .protocols(protocols)
              .trustManager(m.trusted().toArray(new X509Certificate[0]))
              .endpointIdentificationAlgorithm(null);
      if (m.key() != null) b.keyManager(m.key(), m.chain().toArray(new X509Certificate[0]));
      return b.build();
    } catch (SSLException e) {
      throw new TlsFileException("cannot set up TLS: " + e.getMessage());
    }
  }

  /** The context of the side that accepts, asking the other side for a certificate as auth says. */
  public static SslContext server(
      TlsMaterial m, List<String> protocols, SslProvider provider, ClientAuth auth) {
    try {
      return SslContextBuilder.forServer(m.key(), m.chain().toArray(new X509Certificate[0]))
          .sslProvider(provider)
          .protocols(protocols)
          .trustManager(new ExplainingTrustManager(m.trusted()))
          .clientAuth(auth)
          .build();
    } catch (SSLException e) {
      throw new TlsFileException("cannot set up TLS: " + e.getMessage());
    }
  }
}
