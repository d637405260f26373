package io.raftjvm.server;

import io.netty.handler.ssl.ClientAuth;
import io.raftjvm.client.tls.RaftIdentity;
import io.raftjvm.client.tls.TlsFileException;
import io.raftjvm.client.tls.TlsMaterial;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * {@code raft.tls}: TLS on every port. Peers always authenticate both ways, each certificate naming
 * the node id its hello claims ({@code raft://<cluster-id>/node/<id>}); clients of the client and
 * HTTP ports present a certificate as {@code client-auth} / {@code http-client-auth} say. Checked
 * at start: a missing or unreadable file, a key that does not match its certificate, an expired
 * certificate, or one that does not name this node is a ConfigException naming the key.
 *
 * @param enabled false: every port is plaintext (the other fields are then unused)
 */
public record TlsConfig(
    boolean enabled,
    Path certFile,
    Path keyFile,
    Path caFile,
    List<String> protocols,
    String provider,
    ClientAuth clientAuth,
    ClientAuth httpClientAuth,
    Duration reloadInterval) {

  static final TlsConfig OFF =
      new TlsConfig(
          false,
          null,
          null,
          null,
          List.of("TLSv1.3"),
          "auto",
          ClientAuth.NONE,
          ClientAuth.NONE,
          Duration.ofSeconds(10));

  static TlsConfig parse(ConfigReader r, String clusterId, long nodeId) {
    if (!r.bool("enabled")) return OFF;
    Path cert = file(r, "cert-file");
    Path key = file(r, "key-file");
    Path ca = file(r, "ca-file");
    List<String> protocols = r.stringList("protocols");
    for (String p : protocols) {
      if (!p.equals("TLSv1.3") && !p.equals("TLSv1.2"))
        throw r.bad("protocols", "may hold TLSv1.3 and TLSv1.2, got '" + p + "'");
    }
    if (protocols.isEmpty()) throw r.bad("protocols", "must name at least one TLS version");
    String provider = r.string("provider");
    if (!List.of("auto", "openssl", "jdk").contains(provider))
      throw r.bad("provider", "must be auto, openssl or jdk, got '" + provider + "'");
    TlsConfig c =
        new TlsConfig(
            true,
            cert,
            key,
            ca,
            List.copyOf(protocols),
            provider,
            clientAuth(r, "client-auth"),
            clientAuth(r, "http-client-auth"),
            r.positiveDuration("reload-interval"));
    TlsMaterial m;
    try {
      m = c.load();
    } catch (TlsFileException e) {
      throw new ConfigException("bad config: raft.tls: " + e.getMessage());
    }
    if (!RaftIdentity.namesNode(m.certificate(), clusterId, nodeId)) {
      throw r.bad(
          "cert-file",
          cert
              + " does not name this node: it must hold the URI "
              + RaftIdentity.nodeUri(clusterId, nodeId)
              + " among its subject alternative names (it is "
              + RaftIdentity.describe(m.certificate())
              + ")");
    }
    return c;
  }

  /** Reads and checks the files now (at start, and at each rotation). */
  TlsMaterial load() {
    return TlsMaterial.load(certFile, keyFile, caFile);
  }

  private static Path file(ConfigReader r, String key) {
    String v = r.string(key);
    if (v.isBlank()) throw r.bad(key, "is required when tls.enabled = true (a PEM file)");
    return r.path(key);
  }

  private static ClientAuth clientAuth(ConfigReader r, String key) {
    String v = r.string(key);
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "none" -> ClientAuth.NONE;
      case "optional" -> ClientAuth.OPTIONAL;
      case "require" -> ClientAuth.REQUIRE;
      default -> throw r.bad(key, "must be none, optional or require, got '" + v + "'");
    };
  }
}
