package io.raftjvm.client.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The JDK's trust manager for the given CA certificates, remembering why it refused a client's
 * certificate on an engine: OpenSSL turns the refusal into an "internal error" alert, so the server
 * asks here for the reason to log ("its certificate expired on ...", "does not chain to a trusted
 * CA").
 */
public final class ExplainingTrustManager extends X509ExtendedTrustManager {
  private static final Map<SSLEngine, String> REASONS = new WeakHashMap<>();

  private final X509ExtendedTrustManager delegate;

  public ExplainingTrustManager(List<X509Certificate> trusted) {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      for (int i = 0; i < trusted.size(); i++) ks.setCertificateEntry("ca" + i, trusted.get(i));
      TrustManagerFactory f =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      f.init(ks);
      X509ExtendedTrustManager found = null;
      for (TrustManager tm : f.getTrustManagers())
        if (tm instanceof X509ExtendedTrustManager x) found = x;
      if (found == null) throw new TlsFileException("no X.509 trust manager in this JDK");
      this.delegate = found;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new TlsFileException("cannot set up TLS trust: " + e.getMessage());
    }
  }

  /** Why this manager refused the client certificate of engine, or null; forgets it. */
  public static String reasonFor(SSLEngine engine) {
    synchronized (REASONS) {
      return REASONS.remove(engine);
    }
  }

  private static String explain(X509Certificate[] chain) {
    if (chain == null || chain.length == 0) return "it presented no certificate";
    X509Certificate c = chain[0];
    try {
      c.checkValidity();
    } catch (CertificateExpiredException x) {
      return "its certificate (" + c.getSubjectX500Principal() + ") expired on " + c.getNotAfter();
    } catch (CertificateNotYetValidException x) {
      return "its certificate ("
          + c.getSubjectX500Principal()
          + ") is not valid before "
          + c.getNotBefore();
    }
    return "its certificate ("
        + c.getSubjectX500Principal()
        + ", issued by "
        + c.getIssuerX500Principal()
        + ") does not chain to a trusted CA";
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    try {
      delegate.checkClientTrusted(chain, authType, engine);
    } catch (CertificateException e) {
      synchronized (REASONS) {
        REASONS.put(engine, explain(chain));
      }
      throw e;
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate.checkServerTrusted(chain, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    delegate.checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    delegate.checkServerTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate.checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate.checkServerTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate.getAcceptedIssuers();
  }
}
