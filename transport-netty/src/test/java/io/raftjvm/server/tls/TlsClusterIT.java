package io.raftjvm.server.tls;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.ClientException;
import io.raftjvm.client.HostPort;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.client.tls.Pem;
import io.raftjvm.client.tls.RaftIdentity;
import io.raftjvm.client.tls.TlsMaterial;
import io.raftjvm.core.Role;
import io.raftjvm.proto.PeerFrame;
import io.raftjvm.proto.PeerHello;
import io.raftjvm.server.RaftServer;
import io.raftjvm.server.ServerConfig;
import io.raftjvm.server.TestClusters;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 3-node cluster over mutual TLS with client certificates required, certificates made at test
 * time: it commits, and refuses, each time with the others still served, plaintext clients, clients
 * without a certificate, certificates from another CA, and admin operations from a client without
 * the admin role.
 */
@Tag("integration")
@DisplayName("TLS: a cluster over mutual TLS and what it refuses")
class TlsClusterIT {
  private static final String CLUSTER = "tls-it";

  @TempDir Path dir;
  private final Map<Long, RaftServer> servers = new TreeMap<>();
  private final Map<Long, ServerConfig> configs = new TreeMap<>();
  private final Map<Long, TestPki.Issued> nodeCerts = new TreeMap<>();
  private TestPki ca;
  private Path caFile;
  private TestPki.Issued client;
  private TestPki.Issued admin;
  private String peers;

  @BeforeEach
  void start() throws Exception {
    ca = TestPki.create("raft-test-ca");
    caFile = ca.writeCa(dir.resolve("pki/ca.crt"));
    client = ca.issue(dir.resolve("pki"), "client", "raft://" + CLUSTER + "/client/alice");
    admin = ca.issue(dir.resolve("pki"), "admin", RaftIdentity.adminUri(CLUSTER));
    peers = TestClusters.peers(TestClusters.freePorts(6));
    int[] httpPorts = TestClusters.freePorts(3);
    for (long id = 1; id <= 3; id++) {
      TestPki.Issued n =
          ca.issue(dir.resolve("pki"), "node" + id, RaftIdentity.nodeUri(CLUSTER, id));
      nodeCerts.put(id, n);
      configs.put(
          id,
          TestClusters.config(
              TestClusters.node(peers, CLUSTER, id, dir, "it-list")
                  + "raft.http.address = \"127.0.0.1:"
                  + httpPorts[(int) id - 1]
                  + "\"\n"
                  + TestPki.serverTls(
                      n, caFile, "client-auth = require, reload-interval = 200ms")));
    }
    for (long id : configs.keySet()) servers.put(id, RaftServer.start(configs.get(id)));
    TestClusters.await(
        "a leader over TLS",
        Duration.ofSeconds(60),
        () -> servers.values().stream().anyMatch(s -> s.driver().role() == Role.LEADER));
  }

  @AfterEach
  void stop() {
    servers.values().forEach(RaftServer::close);
  }

  private List<String> addresses() {
    List<String> out = new ArrayList<>();
    for (ServerConfig c : configs.values()) out.add(HostPort.format(c.self().clientAddress()));
    return out;
  }

  private RaftClient tlsClient(Path cert, Path key, Path trust, Duration timeout) {
    return RaftClient.create(
        RaftClientOptions.builder(addresses())
            .clusterId(CLUSTER)
            .requestTimeout(timeout)
            .tls(trust, cert, key)
            .build());
  }

  private void assertServesACertifiedClient() throws Exception {
    try (RaftClient c = tlsClient(client.cert(), client.key(), caFile, Duration.ofSeconds(30))) {
      String r = new String(c.proposeSync("ok".getBytes(UTF_8)), UTF_8);
      assertTrue(r.startsWith("ok:"), r);
    }
  }

  @Test
  void aClusterOverMutualTlsCommitsForACertifiedClient() throws Exception {
    try (RaftClient c = tlsClient(client.cert(), client.key(), caFile, Duration.ofSeconds(30))) {
      for (int i = 0; i < 50; i++) c.proposeSync(("x" + i).getBytes(UTF_8));
      assertTrue(c.status().get().getTerm() > 0, "status needs no admin role");
    }
  }

  @Test
  void aPlaintextClientIsRefusedAndTheOthersAreServed() throws Exception {
    try (RaftClient plain =
        RaftClient.create(
            RaftClientOptions.builder(addresses()).requestTimeout(Duration.ofSeconds(2)).build())) {
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> plain.propose("p".getBytes(UTF_8)).get());
      assertTrue(e.getCause() instanceof ClientException, e.getCause().toString());
    }
    assertServesACertifiedClient();
  }

  @Test
  void aClientWithoutCertificateIsRefusedWhenOneIsRequired() throws Exception {
    try (RaftClient anonymous = tlsClient(null, null, caFile, Duration.ofSeconds(2))) {
      ExecutionException e =
          assertThrows(
              ExecutionException.class, () -> anonymous.propose("a".getBytes(UTF_8)).get());
      assertTrue(
          e.getCause().getMessage().contains("the server may refuse this client's certificate"),
          e.getCause().getMessage());
    }
    assertServesACertifiedClient();
  }

  @Test
  void aCertificateFromAnotherCaIsRefused() throws Exception {
    TestPki other = TestPki.create("another-ca");
    TestPki.Issued stranger =
        other.issue(dir.resolve("other"), "stranger", RaftIdentity.adminUri(CLUSTER));
    try (RaftClient c = tlsClient(stranger.cert(), stranger.key(), caFile, Duration.ofSeconds(2))) {
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> c.propose("s".getBytes(UTF_8)).get());
      assertTrue(
          e.getCause().getMessage().contains("the server may refuse this client's certificate"),
          e.getCause().getMessage());
    }
    // And a client that trusts another CA does not accept the servers.
    Path otherCa = other.writeCa(dir.resolve("other/ca.crt"));
    try (RaftClient c = tlsClient(null, null, otherCa, Duration.ofSeconds(2))) {
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> c.propose("t".getBytes(UTF_8)).get());
      assertTrue(e.getCause().getMessage().contains("TLS handshake"), e.getCause().getMessage());
    }
    assertServesACertifiedClient();
  }

  @Test
  void aClientWithoutTheAdminRoleCannotChangeMembershipButAnAdminCan() throws Exception {
    try (RaftClient c = tlsClient(client.cert(), client.key(), caFile, Duration.ofSeconds(10))) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> c.remove(3).get());
      ClientException ce = (ClientException) e.getCause();
      assertEquals(ClientException.Kind.FORBIDDEN, ce.kind());
      assertTrue(
          ce.getMessage()
              .contains(
                  "remove needs a client certificate naming raft://tls-it/admin; this client"
                      + " presented a certificate naming raft://tls-it/client/alice"),
          ce.getMessage());
      assertEquals(3, c.status().get().getConf().getVotersCount(), "nothing changed");
    }
    try (RaftClient a = tlsClient(admin.cert(), admin.key(), caFile, Duration.ofSeconds(30))) {
      a.remove(3).get();
      assertEquals(2, a.status().get().getConf().getVotersCount());
    }
  }

  /**
   * raft.auto-join over TLS with client certificates required: a server adds itself with its own
   * certificate; a node's certificate adds and promotes that node id only, so another node's
   * certificate cannot add it.
   */
  @Test
  void aServerAddsItselfWithItsOwnCertificateWhichAddsNoOtherNode() throws Exception {
    int[] ports = TestClusters.freePorts(2);
    TestPki.Issued node5 = ca.issue(dir.resolve("pki"), "node5", RaftIdentity.nodeUri(CLUSTER, 5));
    try (RaftClient c = tlsClient(node5.cert(), node5.key(), caFile, Duration.ofSeconds(10))) {
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () -> c.addLearner(4, "127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1]).get());
      ClientException ce = (ClientException) e.getCause();
      assertEquals(ClientException.Kind.FORBIDDEN, ce.kind(), ce.getMessage());
      assertTrue(
          ce.getMessage()
              .contains(
                  "add-learner needs a client certificate naming raft://tls-it/admin; this client"
                      + " presented a certificate naming raft://tls-it/node/5"),
          ce.getMessage());
    }
    TestPki.Issued node4 = ca.issue(dir.resolve("pki"), "node4", RaftIdentity.nodeUri(CLUSTER, 4));
    servers.put(
        4L,
        RaftServer.start(
            TestClusters.config(
                TestClusters.node(
                        TestClusters.withMember(peers, 4, ports[0], ports[1]),
                        CLUSTER,
                        4,
                        dir,
                        "it-list")
                    + "raft.join = true\nraft.auto-join = true\n"
                    + TestPki.serverTls(node4, caFile, "client-auth = require"))));
    TestClusters.await(
        "node 4 a voter by its own log and the leader's",
        Duration.ofSeconds(60),
        () -> {
          io.raftjvm.proto.ConfState own = servers.get(4L).driver().confState();
          return own != null
              && own.getVotersList().contains(4L)
              && servers.values().stream()
                  .anyMatch(
                      s ->
                          s.driver().role() == Role.LEADER
                              && s.driver().confState().getVotersList().contains(4L));
        });
    assertServesACertifiedClient();
  }

  /** A JDK TLS socket presenting issued (null: no certificate) and trusting the test CA. */
  private SSLSocket socket(InetSocketAddress to, TestPki.Issued issued) throws Exception {
    // Read without TlsMaterial's checks: a test may present what a server must refuse (expired).
    TlsMaterial m =
        new TlsMaterial(
            issued == null ? List.of() : Pem.certificates(issued.cert()),
            issued == null ? null : Pem.privateKey(issued.key()),
            Pem.certificates(caFile));
    SSLContext ctx = io.raftjvm.client.tls.JdkTls.context(m);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
    s.connect(to, 5_000);
    s.setSoTimeout(10_000);
    s.startHandshake();
    return s;
  }

  private BigInteger servedSerial(long id) throws Exception {
    try (SSLSocket s = socket(configs.get(id).self().clientAddress(), client)) {
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  /**
   * Rotation: node 1's certificate and key are replaced on disk while clients keep proposing; new
   * connections soon get the new certificate (its serial), and no request fails.
   */
  @Test
  void aRotatedCertificateServesNewConnectionsWithoutFailingRequests() throws Exception {
    BigInteger before = servedSerial(1);
    assertEquals(nodeCerts.get(1L).certificate().getSerialNumber(), before);
    AtomicBoolean loading = new AtomicBoolean(true);
    AtomicLong failed = new AtomicLong();
    AtomicLong done = new AtomicLong();
    Thread load =
        new Thread(
            () -> {
              try (RaftClient c =
                  tlsClient(client.cert(), client.key(), caFile, Duration.ofSeconds(30))) {
                while (loading.get()) {
                  try {
                    c.proposeSync("r".getBytes(UTF_8));
                    done.incrementAndGet();
                  } catch (Exception e) {
                    failed.incrementAndGet();
                  }
                }
              }
            });
    load.start();
    // Written aside and moved into place, as a certificate manager does.
    TestPki.Issued fresh =
        ca.issue(dir.resolve("pki/new"), "node1", RaftIdentity.nodeUri(CLUSTER, 1));
    Files.move(fresh.key(), nodeCerts.get(1L).key(), StandardCopyOption.REPLACE_EXISTING);
    Files.move(fresh.cert(), nodeCerts.get(1L).cert(), StandardCopyOption.REPLACE_EXISTING);
    BigInteger expected = fresh.certificate().getSerialNumber();
    TestClusters.await(
        "node 1 serving its new certificate",
        Duration.ofSeconds(30),
        () -> {
          try {
            return servedSerial(1).equals(expected);
          } catch (Exception e) {
            return false;
          }
        });
    long at = done.get();
    TestClusters.await(
        "more requests after the rotation", Duration.ofSeconds(30), () -> done.get() > at + 20);
    loading.set(false);
    load.join(60_000);
    assertEquals(0, failed.get(), "requests failed during the rotation");
  }

  /**
   * A peer whose certificate names node 2 cannot speak as node 3: node 1 refuses the hello, and the
   * cluster goes on.
   */
  @Test
  void aPeerCertificateForAnotherNodeIdIsRefusedAtTheHello() throws Exception {
    try (SSLSocket s = socket(configs.get(1L).self().peerAddress(), nodeCerts.get(2L))) {
      byte[] hello =
          PeerFrame.newBuilder()
              .setHello(PeerHello.newBuilder().setClusterId(CLUSTER).setFrom(3).setTo(1))
              .build()
              .toByteArray();
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.writeInt(hello.length);
      out.write(hello);
      out.flush();
      int read;
      try {
        read = s.getInputStream().read();
      } catch (java.io.IOException e) {
        read = -1; // closed with a TLS alert
      }
      assertEquals(-1, read, "the connection is closed");
    }
    assertServesACertifiedClient();
  }

  /**
   * The other direction: a server dials node 2 and meets a certificate from the same CA that names
   * node 3 (an impostor at node 2's address). It closes the connection after the handshake without
   * sending anything, its hello included; the same listener presenting node 2's certificate does
   * get the hello, so the check is what tells them apart.
   */
  @Test
  void aServerDialledAsNode2ThatPresentsAnotherNodesCertificateIsSentNothing() throws Exception {
    InetSocketAddress node2 = configs.get(2L).self().peerAddress();
    servers.remove(2L).close();
    assertEquals(0, firstFrameFromAPeer(node2, nodeCerts.get(3L)).length, "nothing sent");
    assertServesACertifiedClient();
    PeerFrame hello = PeerFrame.parseFrom(firstFrameFromAPeer(node2, nodeCerts.get(2L)));
    assertEquals(2, hello.getHello().getTo(), hello.toString());
  }

  /**
   * Listens at {@code at} presenting {@code presented}, accepts the first peer that dials it and
   * returns the first frame it sends after the TLS handshake, or nothing if it closes instead.
   */
  private byte[] firstFrameFromAPeer(InetSocketAddress at, TestPki.Issued presented)
      throws Exception {
    SSLContext ctx =
        io.raftjvm.client.tls.JdkTls.context(
            new TlsMaterial(
                Pem.certificates(presented.cert()),
                Pem.privateKey(presented.key()),
                Pem.certificates(caFile)));
    try (SSLServerSocket listener =
        (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket()) {
      listener.setReuseAddress(true);
      listener.bind(at);
      listener.setNeedClientAuth(true);
      listener.setSoTimeout(60_000);
      try (SSLSocket s = (SSLSocket) listener.accept()) {
        s.setSoTimeout(10_000);
        s.startHandshake();
        DataInputStream in = new DataInputStream(s.getInputStream());
        int length;
        try {
          length = in.readInt();
        } catch (java.io.EOFException | javax.net.ssl.SSLException e) {
          return new byte[0]; // closed by the dialler
        }
        byte[] frame = new byte[length];
        in.readFully(frame);
        return frame;
      }
    }
  }

  /** The HTTP port speaks HTTPS too (no client certificate needed by default). */
  @Test
  void theHttpPortServesHttps() throws Exception {
    try (SSLSocket s = socket(servers.get(1L).httpAddress(), null)) {
      s.getOutputStream()
          .write(
              "GET /health/live HTTP/1.1\r\nHost: node1\r\nConnection: close\r\n\r\n"
                  .getBytes(UTF_8));
      s.getOutputStream().flush();
      String response = new String(s.getInputStream().readAllBytes(), UTF_8);
      assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n"), response);
      assertTrue(response.endsWith("\r\n\r\nlive: node 1\n"), response);
    }
  }

  /** A client certificate that expired is refused by the servers; the others are served. */
  @Test
  void anExpiredClientCertificateIsRefused() throws Exception {
    TestPki.Issued expired =
        ca.issue(
            dir.resolve("pki/old"),
            "expired",
            java.time.Instant.now().minus(Duration.ofDays(10)),
            java.time.Instant.now().minus(Duration.ofDays(1)),
            "raft://" + CLUSTER + "/client/old");
    try (SSLSocket s = socket(configs.get(1L).self().clientAddress(), expired)) {
      int read;
      try {
        read = s.getInputStream().read(); // TLS 1.3: the refusal comes after the handshake
      } catch (java.io.IOException e) {
        read = -1;
      }
      assertEquals(-1, read, "the connection is closed");
    } catch (javax.net.ssl.SSLException refusedDuringHandshake) {
      // refused before the client's side of the handshake completed: as good
    }
    // And the client library will not even present it.
    io.raftjvm.client.tls.TlsFileException e =
        assertThrows(
            io.raftjvm.client.tls.TlsFileException.class,
            () -> tlsClient(expired.cert(), expired.key(), caFile, Duration.ofSeconds(2)));
    assertTrue(e.getMessage().contains("expired on"), e.getMessage());
    assertServesACertifiedClient();
  }

  /** A TLS client meeting a plaintext server fails its handshake; the server serves on. */
  @Test
  @SuppressWarnings("try") // the server only has to run
  void aTlsClientToAPlaintextPortFailsAndThePortServesPlaintextClients() throws Exception {
    int[] ports = TestClusters.freePorts(2);
    ServerConfig plain =
        TestClusters.config(
            "raft.peers = [{id = 1, peer-address = \"127.0.0.1:"
                + ports[0]
                + "\", client-address = \"127.0.0.1:"
                + ports[1]
                + "\"}]\nraft.cluster-id = plain\nraft.node-id = 1\nraft.data-dir = "
                + TestClusters.quoted(dir.resolve("plain"))
                + "\nraft.state-machine = it-list\nraft.plugins-dir = "
                + TestClusters.quoted(dir.resolve("none"))
                + "\nraft.tick-interval = 50ms\n");
    try (RaftServer server = RaftServer.start(plain)) {
      String address = "127.0.0.1:" + ports[1];
      try (RaftClient c =
          RaftClient.create(
              RaftClientOptions.builder(List.of(address))
                  .requestTimeout(Duration.ofSeconds(2))
                  .tls(caFile, client.cert(), client.key())
                  .build())) {
        ExecutionException e =
            assertThrows(ExecutionException.class, () -> c.propose("x".getBytes(UTF_8)).get());
        assertTrue(e.getCause().getMessage().contains("TLS handshake"), e.getCause().getMessage());
      }
      try (RaftClient c =
          RaftClient.create(
              RaftClientOptions.builder(List.of(address))
                  .requestTimeout(Duration.ofSeconds(30))
                  .build())) {
        assertTrue(new String(c.proposeSync("y".getBytes(UTF_8)), UTF_8).startsWith("ok:"));
      }
    }
  }
}
