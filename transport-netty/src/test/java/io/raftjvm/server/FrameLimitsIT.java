package io.raftjvm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.raftjvm.client.HostPort;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.core.Role;
import io.raftjvm.proto.PeerFrame;
import io.raftjvm.proto.PeerHello;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The partial-frame attack on a real 3-node cluster in this JVM: 24 connections to the leader's
 * client port and 24 to its peer port (after a hello that passes) each announce a frame just under
 * the port's limit and send all of it but one byte; 24 more to the peer port do so without a hello.
 * The leader must hold no more than each port's budget, close the connections beyond it with one
 * line each, and keep serving. The client port runs with its defaults (4 MiB frames, 64 MiB
 * budget); the peer port with 8 MiB frames and a 32 MiB budget, to keep the test light. Waits are
 * on conditions, never fixed sleeps.
 */
@Tag("integration")
@DisplayName("Frame limits: connections that never finish their frames")
class FrameLimitsIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int ATTACKERS = 24;
  private static final int CLIENT_FRAME = 4 << 20;
  private static final long CLIENT_BUDGET = 64L << 20;
  private static final int PEER_FRAME = 8 << 20;
  private static final long PEER_BUDGET = 32L << 20;

  /**
   * Direct memory allowed above its level before the attack, beyond the two budgets (measured:
   * 26-37 MiB): a cumulation growing (old and new buffer exist during the copy), the read buffers
   * in flight, and the chunks Netty's adaptive allocator keeps for reuse (about 12 MiB stay after
   * the attackers leave). Before the budgets, this attack took 397 MiB, and 24 frames of the
   * default 64 MiB would take 1.5 GiB per port.
   */
  private static final long MARGIN = 64L << 20;

  @TempDir Path tmp;
  private final Map<Long, RaftServer> servers = new TreeMap<>();
  private final List<Socket> sockets = new ArrayList<>();
  private final Logger errorLog =
      (Logger) LoggerFactory.getLogger("io.raftjvm.transport.CloseOnErrorHandler");
  private final ListAppender<ILoggingEvent> warnings = new ListAppender<>();
  private final BufferPoolMXBean direct =
      ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
          .filter(b -> b.getName().equals("direct"))
          .findFirst()
          .orElseThrow();
  private long peakDirect;

  @AfterEach
  void stop() throws IOException {
    for (Socket s : sockets) s.close();
    for (RaftServer s : servers.values()) s.close();
    errorLog.detachAppender(warnings);
  }

  @Test
  void connectionsBeyondTheBudgetsAreClosedAndTheLeaderKeepsServing() throws Exception {
    String peers = TestClusters.peers(TestClusters.freePorts(6));
    StringBuilder clients = new StringBuilder();
    for (long id = 1; id <= 3; id++) {
      ServerConfig c =
          TestClusters.config(
              peers
                  + "raft.cluster-id = it\nraft.node-id = "
                  + id
                  + "\nraft.data-dir = "
                  + TestClusters.quoted(tmp.resolve("node" + id))
                  + "\nraft.state-machine = it-list\nraft.tick-interval = 50ms\n"
                  + "raft.plugins-dir = "
                  + TestClusters.quoted(tmp.resolve("none"))
                  + "\nraft.transport.max-frame-size = "
                  + PEER_FRAME
                  + "\nraft.transport.max-incomplete-frame-bytes = "
                  + PEER_BUDGET
                  + "\n");
      servers.put(id, RaftServer.start(c));
      clients
          .append(clients.length() > 0 ? "," : "")
          .append(HostPort.format(c.self().clientAddress()));
    }
    TestClusters.await("a leader", WAIT, () -> leader() != null);
    RaftServer leader = leader();
    long leaderId = leader.config().nodeId();
    long otherId = leaderId == 1 ? 2 : 1;
    warnings.start();
    errorLog.addAppender(warnings);
    try (RaftClient client =
        RaftClient.create(
            RaftClientOptions.builder(List.of(clients.toString().split(",")))
                .requestTimeout(Duration.ofSeconds(30))
                .build())) {
      assertEquals("ok:", text(client.proposeSync(bytes("before"))).substring(0, 3));
      long baseline = direct.getMemoryUsed();

      // Clients: each frame holds CLIENT_FRAME - 2 bytes; 16 fit in the budget, the rest are
      // closed.
      InetSocketAddress clientPort = leader.config().self().clientAddress();
      List<Socket> clientAttack =
          attack(clientPort, ATTACKERS, null, CLIENT_FRAME - 1, CLIENT_FRAME - 2);
      int clientHeld =
          awaitSettled(
              "client port", clientAttack, leader::clientIncompleteFrameBytes, CLIENT_FRAME - 2);
      // Peers that said a valid hello: each holds PEER_FRAME - 2 bytes; 4 fit.
      InetSocketAddress peerPort = leader.config().self().peerAddress();
      byte[] hello =
          PeerFrame.newBuilder()
              .setHello(PeerHello.newBuilder().setClusterId("it").setFrom(otherId).setTo(leaderId))
              .build()
              .toByteArray();
      List<Socket> peerAttack = attack(peerPort, ATTACKERS, hello, PEER_FRAME - 1, PEER_FRAME - 2);
      int peerHeld =
          awaitSettled("peer port", peerAttack, leader::peerIncompleteFrameBytes, PEER_FRAME - 2);
      // Strangers (no hello) announcing large frames, and a client frame over the client limit.
      List<Socket> strangers = attack(peerPort, ATTACKERS, null, PEER_FRAME - 1, 64 << 10);
      List<Socket> oversized = attack(clientPort, 1, null, CLIENT_FRAME + 1, 64 << 10);
      TestClusters.await(
          "strangers and the oversized client closed",
          WAIT,
          () -> closedCount(strangers) == ATTACKERS && closedCount(oversized) == 1);

      // The leader keeps serving while the survivors hold their frames.
      assertEquals("ok:", text(client.proposeSync(bytes("during"))).substring(0, 3));
      assertTrue(Integer.parseInt(text(client.querySync(bytes("size")))) >= 2);
      sample();
      System.out.printf(
          "FrameLimitsIT: client port holds %d of %d connections, peer port %d of %d;"
              + " direct memory %d MiB before the attack, peak %d MiB (JVM direct pool; Netty counter %d)%n",
          clientHeld,
          ATTACKERS,
          peerHeld,
          ATTACKERS,
          baseline >> 20,
          peakDirect >> 20,
          io.netty.util.internal.PlatformDependent.usedDirectMemory());

      assertTrue(
          clientHeld == CLIENT_BUDGET / (CLIENT_FRAME - 2)
              || clientHeld == CLIENT_BUDGET / (CLIENT_FRAME - 2) - 1,
          "the client budget is used, not exceeded: " + clientHeld);
      assertTrue(
          peerHeld == PEER_BUDGET / (PEER_FRAME - 2)
              || peerHeld == PEER_BUDGET / (PEER_FRAME - 2) - 1,
          "the peer budget is used, not exceeded: " + peerHeld);
      assertEquals(
          ATTACKERS - clientHeld,
          lines("closing client connection from", "budget of " + CLIENT_BUDGET + " bytes"),
          "one line per client connection closed over the budget");
      assertTrue(
          lines("closing peer connection from", "budget of " + PEER_BUDGET + " bytes")
              >= ATTACKERS - peerHeld);
      assertEquals(
          ATTACKERS,
          lines(
              "closing peer connection from",
              "frame too long (" + (PEER_FRAME - 1) + " bytes announced, limit 65536)"));
      assertEquals(1, lines("closing client connection from", "limit " + CLIENT_FRAME + ")"));
      assertEquals(0, lines("", "OutOfMemoryError"));
      assertTrue(
          peakDirect - baseline <= CLIENT_BUDGET + PEER_BUDGET + MARGIN,
          "direct memory grew by " + ((peakDirect - baseline) >> 20) + " MiB");

      // Once the attackers leave, nothing is held and the cluster still serves.
      for (Socket s : sockets) s.close();
      TestClusters.await(
          "every budget back to 0",
          WAIT,
          () ->
              servers.values().stream()
                  .allMatch(
                      s ->
                          s.clientIncompleteFrameBytes() == 0
                              && s.peerIncompleteFrameBytes() == 0));
      assertEquals("ok:", text(client.proposeSync(bytes("after"))).substring(0, 3));
      assertTrue(Integer.parseInt(text(client.querySync(bytes("size")))) >= 3);
      System.out.printf(
          "FrameLimitsIT: direct memory %d MiB after the attackers left%n",
          direct.getMemoryUsed() >> 20);
    }
  }

  /**
   * Opens n connections one after another; on each writes the prefix frame (if any), then the
   * length of a frame of frameBytes (length field included) and sends bytes of it in all. A write
   * the server cuts short by closing is expected.
   */
  private List<Socket> attack(InetSocketAddress to, int n, byte[] prefix, int frameBytes, int send)
      throws IOException {
    List<Socket> opened = new ArrayList<>();
    byte[] chunk = new byte[64 << 10];
    for (int i = 0; i < n; i++) {
      Socket s = new Socket(to.getAddress(), to.getPort());
      sockets.add(s);
      opened.add(s);
      try {
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        if (prefix != null) out.writeInt(prefix.length);
        if (prefix != null) out.write(prefix);
        out.writeInt(frameBytes - 4);
        for (int left = send - 4; left > 0; left -= chunk.length) {
          out.write(chunk, 0, Math.min(left, chunk.length));
          sample();
        }
        out.flush();
      } catch (IOException e) {
        // closed by the server: found again by closedCount
      }
    }
    return opened;
  }

  /**
   * Waits until every connection is either closed or held whole by the server (what the port holds
   * is exactly the held connections' frames); returns how many are held.
   */
  private int awaitSettled(String port, List<Socket> attack, LongSupplier held, long perConnection)
      throws InterruptedException {
    TestClusters.await(
        "the " + port + " to settle",
        WAIT,
        () -> {
          sample();
          long bytes = held.getAsLong();
          return bytes % perConnection == 0
              && bytes / perConnection == attack.size() - closedCount(attack);
        });
    return (int) (held.getAsLong() / perConnection);
  }

  /** Connections the server has closed: reading finds the end of the stream or a reset. */
  private static int closedCount(List<Socket> attack) {
    int closed = 0;
    for (Socket s : attack) {
      try {
        s.setSoTimeout(1);
        if (s.getInputStream().read() < 0) closed++;
      } catch (SocketTimeoutException e) {
        // still open
      } catch (IOException e) {
        closed++;
      }
    }
    return closed;
  }

  private void sample() {
    peakDirect = Math.max(peakDirect, direct.getMemoryUsed());
  }

  private int lines(String start, String contains) {
    return (int)
        warnings.list.stream()
            .map(ILoggingEvent::getFormattedMessage)
            .filter(m -> m.startsWith(start) && m.contains(contains))
            .count();
  }

  private RaftServer leader() {
    return servers.values().stream()
        .filter(s -> s.driver().role() == Role.LEADER)
        .findFirst()
        .orElse(null);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
