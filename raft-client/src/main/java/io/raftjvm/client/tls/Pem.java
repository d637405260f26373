package io.raftjvm.client.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads PEM files: certificates (one or a chain) and unencrypted PKCS#8 private keys (RSA, EC or
 * Ed25519). Every problem is a {@link TlsFileException} naming the file in one line.
 */
public final class Pem {
  private Pem() {}

  /** The certificates in file, in order; at least one. */
  public static List<X509Certificate> certificates(Path file) {
    byte[] bytes = read(file, "certificate");
    List<X509Certificate> out = new ArrayList<>();
    try {
      for (var c :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(bytes))) {
        out.add((X509Certificate) c);
      }
    } catch (CertificateException e) {
      throw new TlsFileException(file + " is not a PEM certificate file: " + oneLine(e));
    }
    if (out.isEmpty()) throw new TlsFileException(file + " holds no PEM certificate");
    return out;
  }

  /** The private key in file (PKCS#8, "BEGIN PRIVATE KEY"). */
  public static PrivateKey privateKey(Path file) {
    String text = new String(read(file, "private key"), StandardCharsets.US_ASCII);
    if (text.contains("BEGIN ENCRYPTED PRIVATE KEY")) {
      throw new TlsFileException(
          file
              + " is an encrypted key; give an unencrypted PKCS#8 key (protect it by its file mode)");
    }
    if (text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY")) {
      throw new TlsFileException(
          file
              + " is not PKCS#8; convert it with: openssl pkcs8 -topk8 -nocrypt -in "
              + file.getFileName()
              + " -out key.pem");
    }
    int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = text.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new TlsFileException(file + " holds no PEM private key (BEGIN PRIVATE KEY)");
    }
    byte[] der;
    try {
      der =
          Base64.getMimeDecoder()
              .decode(text.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
    } catch (IllegalArgumentException e) {
      throw new TlsFileException(file + ": the private key is not valid base64");
    }
    for (String algorithm : List.of("RSA", "EC", "Ed25519", "RSASSA-PSS")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new TlsFileException(
        file + " holds a private key of no supported kind (RSA, EC, Ed25519)");
  }

  private static byte[] read(Path file, String what) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new TlsFileException("the " + what + " file " + file + " does not exist");
    } catch (IOException e) {
      throw new TlsFileException("cannot read the " + what + " file " + file + ": " + oneLine(e));
    }
  }

  private static String oneLine(Exception e) {
    return String.valueOf(e.getMessage()).replace('\n', ' ');
  }
}
