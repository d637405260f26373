package io.raftjvm.server.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made at test time (BouncyCastle): EC P-256 keys, certificates naming
 * whatever URIs a test needs, valid or expired, written as PEM files the way an operator gives them
 * to a server (certificate, unencrypted PKCS#8 key, CA bundle).
 */
public final class TestPki {
  private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

  private final String name;
  private final KeyPair key;
  private final X509Certificate cert;

  /** A file pair: a certificate and its key. */
  public record Issued(Path cert, Path key, X509Certificate certificate) {}

  private TestPki(String name, KeyPair key, X509Certificate cert) {
    this.name = name;
    this.key = key;
    this.cert = cert;
  }

  /** A new CA called name. */
  public static TestPki create(String name) {
    KeyPair k = keyPair();
    X509Certificate c =
        sign(
            new X500Name("CN=" + name),
            k,
            new X500Name("CN=" + name),
            k.getPrivate(),
            Instant.now().minus(Duration.ofHours(1)),
            Instant.now().plus(Duration.ofDays(30)),
            true);
    return new TestPki(name, k, c);
  }

  /** The HOCON that turns TLS on for a server with node's files and ca, plus extra settings. */
  public static String serverTls(Issued node, Path ca, String extra) {
    return "raft.tls { enabled = true, "
        + extra
        + ", cert-file = "
        + io.raftjvm.server.TestClusters.quoted(node.cert())
        + ", key-file = "
        + io.raftjvm.server.TestClusters.quoted(node.key())
        + ", ca-file = "
        + io.raftjvm.server.TestClusters.quoted(ca)
        + " }\n";
  }

  /** Writes the CA certificate (the trust anchor servers and clients are given) to file. */
  public Path writeCa(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, pem("CERTIFICATE", encoded(cert)), StandardCharsets.US_ASCII);
    return file;
  }

  /** Issues a certificate valid for a day, naming uris, into dir/stem.crt and dir/stem.key. */
  public Issued issue(Path dir, String stem, String... uris) throws IOException {
    return issue(
        dir,
        stem,
        Instant.now().minus(Duration.ofHours(1)),
        Instant.now().plus(Duration.ofDays(1)),
        uris);
  }

  /** Issues a certificate valid from notBefore to notAfter (in the past: expired). */
  public Issued issue(Path dir, String stem, Instant notBefore, Instant notAfter, String... uris)
      throws IOException {
    KeyPair k = keyPair();
    X509Certificate c =
        sign(
            new X500Name("CN=" + stem),
            k,
            new X500Name("CN=" + name),
            key.getPrivate(),
            notBefore,
            notAfter,
            false,
            uris);
    Files.createDirectories(dir);
    Path certFile = dir.resolve(stem + ".crt");
    Path keyFile = dir.resolve(stem + ".key");
    Files.writeString(certFile, pem("CERTIFICATE", encoded(c)), StandardCharsets.US_ASCII);
    Files.writeString(
        keyFile, pem("PRIVATE KEY", k.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
    return new Issued(certFile, keyFile, c);
  }

  private static byte[] encoded(X509Certificate c) {
    try {
      return c.getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static KeyPair keyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509Certificate sign(
      X500Name subject,
      KeyPair subjectKey,
      X500Name issuer,
      PrivateKey issuerKey,
      Instant notBefore,
      Instant notAfter,
      boolean ca,
      String... uris) {
    try {
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              issuer,
              BigInteger.valueOf(SERIAL.incrementAndGet()),
              Date.from(notBefore),
              Date.from(notAfter),
              subject,
              subjectKey.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      b.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(
              ca
                  ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                  : KeyUsage.digitalSignature | KeyUsage.keyAgreement));
      if (uris.length > 0) {
        GeneralName[] names = new GeneralName[uris.length];
        for (int i = 0; i < uris.length; i++)
          names[i] = new GeneralName(GeneralName.uniformResourceIdentifier, uris[i]);
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      }
      return new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
