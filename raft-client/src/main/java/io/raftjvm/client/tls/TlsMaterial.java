package io.raftjvm.client.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What one side of a TLS connection holds, read from PEM files and checked: its certificate chain
 * and private key (none for a client without a certificate) and the certificates it trusts. Every
 * problem is a {@link TlsFileException} naming the file.
 *
 * @param chain this side's certificate first; empty when it presents none
 * @param key the private key of chain's first certificate; null when it presents none
 * @param trusted the trust anchors the other side's certificate must chain to
 */
public record TlsMaterial(
    List<X509Certificate> chain, PrivateKey key, List<X509Certificate> trusted) {
  public TlsMaterial {
    chain = List.copyOf(chain);
    trusted = List.copyOf(trusted);
  }

  /**
   * Loads and checks: the key matches the certificate, the certificate is valid now. cert and key
   * are both given or both null.
   */
  public static TlsMaterial load(Path cert, Path key, Path ca) {
    if ((cert == null) != (key == null))
      throw new TlsFileException("a certificate and its key go together: give both or neither");
    List<X509Certificate> trusted = Pem.certificates(ca);
    if (cert == null) return new TlsMaterial(List.of(), null, trusted);
    List<X509Certificate> chain = Pem.certificates(cert);
    PrivateKey k = Pem.privateKey(key);
    checkValidNow(chain.get(0), cert);
    checkKeyMatches(chain.get(0), k, cert, key);
    return new TlsMaterial(chain, k, trusted);
  }

  /** This side's own certificate (the chain's first), or null. */
  public X509Certificate certificate() {
    return chain.isEmpty() ? null : chain.get(0);
  }

  private static void checkValidNow(X509Certificate c, Path file) {
    try {
      c.checkValidity();
    } catch (CertificateExpiredException e) {
      throw new TlsFileException("the certificate in " + file + " expired on " + c.getNotAfter());
    } catch (CertificateNotYetValidException e) {
      throw new TlsFileException(
          "the certificate in " + file + " is not valid before " + c.getNotBefore());
    }
  }

  /** Signs with the key and verifies with the certificate: they must be one key pair. */
  private static void checkKeyMatches(
      X509Certificate c, PrivateKey k, Path certFile, Path keyFile) {
    String alg =
        switch (k.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "Ed25519", "EdDSA" -> "Ed25519";
          default -> null;
        };
    if (alg == null) return; // a kind we cannot check here; the handshake will
    try {
      byte[] probe = new byte[32];
      new SecureRandom().nextBytes(probe);
      Signature s = Signature.getInstance(alg);
      s.initSign(k);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(c.getPublicKey());
      v.update(probe);
      if (v.verify(sig)) return;
    } catch (GeneralSecurityException e) {
      // a key of another kind than the certificate's: a mismatch too
    }
    throw new TlsFileException(
        "the key in " + keyFile + " does not match the certificate in " + certFile);
  }
}
