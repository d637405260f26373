package io.raftjvm.client.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A JDK {@link SSLContext} (TLS 1.3) from {@link TlsMaterial}, for blocking sockets: the tools'
 * one-server probes, tests that speak TLS by hand.
 */
public final class JdkTls {
  private JdkTls() {}

  public static SSLContext context(TlsMaterial m) {
    try {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      if (m.key() != null)
        keys.setKeyEntry("me", m.key(), new char[0], m.chain().toArray(new X509Certificate[0]));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
      kmf.init(keys, new char[0]);
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      for (int i = 0; i < m.trusted().size(); i++)
        trust.setCertificateEntry("ca" + i, m.trusted().get(i));
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLSv1.3");
      ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new TlsFileException("cannot set up TLS: " + e.getMessage());
    }
  }
}
