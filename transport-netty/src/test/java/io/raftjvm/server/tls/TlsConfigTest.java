package io.raftjvm.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.tls.RaftIdentity;
import io.raftjvm.server.ConfigException;
import io.raftjvm.server.ServerConfig;
import io.raftjvm.server.TestClusters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** raft.tls at start: every unusable file or certificate is one line naming the key or file. */
@DisplayName("TLS configuration: what is refused at start")
class TlsConfigTest {
  @TempDir Path dir;

  private static final String PEERS =
      "raft.peers = [{id = 1, peer-address = \"127.0.0.1:1\", client-address = \"127.0.0.1:2\"}]\n";

  private ServerConfig config(Path cert, Path key, Path ca) {
    return TestClusters.config(
        PEERS
            + "raft.cluster-id = c\nraft.node-id = 1\nraft.data-dir = "
            + TestClusters.quoted(dir.resolve("data"))
            + "\nraft.tls { enabled = true, cert-file = "
            + TestClusters.quoted(cert)
            + ", key-file = "
            + TestClusters.quoted(key)
            + ", ca-file = "
            + TestClusters.quoted(ca)
            + " }\n");
  }

  @Test
  void aGoodSetIsAccepted() throws Exception {
    TestPki ca = TestPki.create("ca");
    TestPki.Issued n = ca.issue(dir, "node1", RaftIdentity.nodeUri("c", 1));
    ServerConfig c = config(n.cert(), n.key(), ca.writeCa(dir.resolve("ca.crt")));
    assertTrue(c.tls().enabled());
  }

  @Test
  void aMissingFileIsNamed() throws Exception {
    TestPki ca = TestPki.create("ca");
    TestPki.Issued n = ca.issue(dir, "node1", RaftIdentity.nodeUri("c", 1));
    Path missing = dir.resolve("nope.crt");
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> config(missing, n.key(), ca.writeCa(dir.resolve("ca.crt"))));
    assertEquals(
        "bad config: raft.tls: the certificate file " + missing + " does not exist",
        e.getMessage());
  }

  @Test
  void aKeyOfAnotherCertificateIsRefused() throws Exception {
    TestPki ca = TestPki.create("ca");
    TestPki.Issued n = ca.issue(dir, "node1", RaftIdentity.nodeUri("c", 1));
    TestPki.Issued other = ca.issue(dir, "other", RaftIdentity.nodeUri("c", 1));
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> config(n.cert(), other.key(), ca.writeCa(dir.resolve("ca.crt"))));
    assertEquals(
        "bad config: raft.tls: the key in "
            + other.key()
            + " does not match the certificate in "
            + n.cert(),
        e.getMessage());
  }

  @Test
  void anUnreadableKeyIsNamed() throws Exception {
    TestPki ca = TestPki.create("ca");
    TestPki.Issued n = ca.issue(dir, "node1", RaftIdentity.nodeUri("c", 1));
    Path garbage = Files.writeString(dir.resolve("bad.key"), "not a key\n");
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> config(n.cert(), garbage, ca.writeCa(dir.resolve("ca.crt"))));
    assertEquals(
        "bad config: raft.tls: " + garbage + " holds no PEM private key (BEGIN PRIVATE KEY)",
        e.getMessage());
  }

  @Test
  void anExpiredCertificateIsRefused() throws Exception {
    TestPki ca = TestPki.create("ca");
    TestPki.Issued n =
        ca.issue(
            dir,
            "node1",
            Instant.now().minus(Duration.ofDays(10)),
            Instant.now().minus(Duration.ofDays(1)),
            RaftIdentity.nodeUri("c", 1));
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> config(n.cert(), n.key(), ca.writeCa(dir.resolve("ca.crt"))));
    assertTrue(
        e.getMessage()
            .startsWith("bad config: raft.tls: the certificate in " + n.cert() + " expired on "),
        e.getMessage());
  }

  @Test
  void aCertificateNamingAnotherNodeIsRefused() throws Exception {
    TestPki ca = TestPki.create("ca");
    TestPki.Issued n = ca.issue(dir, "node2", RaftIdentity.nodeUri("c", 2));
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> config(n.cert(), n.key(), ca.writeCa(dir.resolve("ca.crt"))));
    assertEquals(
        "bad config: raft.tls.cert-file "
            + n.cert()
            + " does not name this node: it must hold the URI raft://c/node/1 among its subject"
            + " alternative names (it is a certificate naming raft://c/node/2)",
        e.getMessage());
  }

  @Test
  void withTlsOnEachFileIsRequired() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                TestClusters.config(
                    PEERS
                        + "raft.cluster-id = c\nraft.node-id = 1\nraft.data-dir = x\n"
                        + "raft.tls.enabled = true\n"));
    assertEquals(
        "bad config: raft.tls.cert-file is required when tls.enabled = true (a PEM file)",
        e.getMessage());
  }
}
