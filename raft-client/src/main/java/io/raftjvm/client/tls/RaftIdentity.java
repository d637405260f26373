package io.raftjvm.client.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Who a certificate speaks for, by the URIs in its subject alternative names (the convention, in
 * the README's "Security" section): {@code raft://<cluster-id>/node/<id>} for the server of that
 * id, {@code raft://<cluster-id>/admin} for an operator. A certificate that chains to the
 * configured trust anchors and names neither is an ordinary client.
 */
public final class RaftIdentity {
  private RaftIdentity() {}

  /** The SAN URI naming server id of cluster clusterId. */
  public static String nodeUri(String clusterId, long id) {
    return "raft://" + clusterId + "/node/" + id;
  }

  /** The SAN URI naming an operator of cluster clusterId. */
  public static String adminUri(String clusterId) {
    return "raft://" + clusterId + "/admin";
  }

  /** The URIs among the certificate's subject alternative names (type 6), in order. */
  public static List<String> uris(X509Certificate cert) {
    List<String> out = new ArrayList<>();
    Collection<List<?>> names;
    try {
      names = cert.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return out;
    }
    if (names == null) return out;
    for (List<?> n : names) {
      if (n.size() >= 2 && Integer.valueOf(6).equals(n.get(0)) && n.get(1) instanceof String s) {
        out.add(s);
      }
    }
    return out;
  }

  /** Whether the certificate names server id of the cluster. */
  public static boolean namesNode(X509Certificate cert, String clusterId, long id) {
    return uris(cert).contains(nodeUri(clusterId, id));
  }

  /** Whether the certificate names some server of the cluster. */
  public static boolean namesSomeNode(X509Certificate cert, String clusterId) {
    String prefix = "raft://" + clusterId + "/node/";
    return uris(cert).stream().anyMatch(u -> u.startsWith(prefix));
  }

  /** Whether the certificate names an operator of the cluster. */
  public static boolean isAdmin(X509Certificate cert, String clusterId) {
    return uris(cert).contains(adminUri(clusterId));
  }

  /** "raft://c/node/2, raft://c/admin" or "no raft:// URI": for one-line refusals. */
  public static String describe(X509Certificate cert) {
    List<String> raft = uris(cert).stream().filter(u -> u.startsWith("raft://")).toList();
    return raft.isEmpty()
        ? "a certificate naming no raft:// URI (subject " + cert.getSubjectX500Principal() + ")"
        : "a certificate naming " + String.join(", ", raft);
  }
}
