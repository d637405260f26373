package io.raftjvm.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import com.google.protobuf.ByteString;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.Future;
import io.raftjvm.proto.Message;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two (or three) servers' transports on real loopback sockets with ephemeral ports, each node on
 * its own one-thread event loop group. Every wait polls a condition with a generous deadline.
 */
@Tag("integration")
class NettyTransportIT {
  private static final String CLUSTER = "it";
  private static final int MAX_FRAME = 1 << 20;
  private static final int HIGH_WATER = 8 << 20;
  private static final long TIMEOUT_MILLIS = 30_000;
  private static final InetSocketAddress ANY_PORT =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  private final List<Node> nodes = new ArrayList<>();

  /** One server: its loop group, peer server, transport, and what reached its sink. */
  private final class Node {
    final long id;
    final MultiThreadIoEventLoopGroup group;
    final EventLoop loop;
    final BlockingQueue<Message> received = new LinkedBlockingQueue<>();
    final List<Long> unreachable = new CopyOnWriteArrayList<>();
    PeerServer server;
    NettyTransport transport;

    Node(long id, boolean preferNative) {
      this.id = id;
      this.group = NettyEventLoops.newGroup(1, "it-node" + id, preferNative);
      this.loop = group.next();
      nodes.add(this);
    }

    InetSocketAddress listen(InetSocketAddress at, Set<Long> peers) throws Exception {
      server =
          new PeerServer(
              at, group, group, CLUSTER, id, peers, received::addAll, MAX_FRAME, 4L * MAX_FRAME);
      await(server.start());
      return server.localAddress();
    }

    void connect(String clusterId, Map<Long, InetSocketAddress> peers, int highWater) {
      transport =
          new NettyTransport(clusterId, id, peers, loop, MAX_FRAME, highWater, unreachable::add);
      transport.start();
    }

    <T> T onLoop(Callable<T> task) throws Exception {
      return loop.submit(task).get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    }

    void send(Message... messages) throws Exception {
      onLoop(
          () -> {
            transport.send(List.of(messages));
            return null;
          });
    }

    boolean connectedTo(long peer) {
      try {
        return onLoop(() -> transport.isConnected(peer));
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
  }

  @AfterEach
  void stopAll() throws Exception {
    for (Node n : nodes) {
      if (n.transport != null) {
        await(n.transport.close());
      }
    }
    for (Node n : nodes) {
      if (n.server != null) {
        await(n.server.close());
      }
    }
    for (Node n : nodes) {
      await(n.group.shutdownGracefully(0, 1, TimeUnit.SECONDS));
    }
  }

  private static void await(Future<?> f) throws InterruptedException {
    assertTrue(f.await(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), "timed out");
    assertTrue(f.isSuccess(), () -> "failed: " + f.cause());
  }

  /** Polls {@code condition} every 10 ms until it holds; fails after the deadline. */
  private static void waitUntil(String what, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(10); // polling interval, not synchronisation
    }
  }

  private static Message take(Node n) throws InterruptedException {
    Message m = n.received.poll(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    assertTrue(m != null, "nothing received by node " + n.id);
    return m;
  }

  /** Nodes 1 and 2, listening and connected to each other. */
  private Node[] pair(boolean native1, boolean native2) throws Exception {
    Node a = new Node(1, native1);
    Node b = new Node(2, native2);
    InetSocketAddress addrA = a.listen(ANY_PORT, Set.of(2L));
    InetSocketAddress addrB = b.listen(ANY_PORT, Set.of(1L));
    a.connect(CLUSTER, Map.of(2L, addrB), HIGH_WATER);
    b.connect(CLUSTER, Map.of(1L, addrA), HIGH_WATER);
    waitUntil("both connected", () -> a.connectedTo(2) && b.connectedTo(1));
    return new Node[] {a, b};
  }

  @ParameterizedTest(name = "native node1={0}, native node2={1}")
  @CsvSource({"true,true", "false,false", "true,false"})
  void messagesFlowBothWays(boolean native1, boolean native2) throws Exception {
    Node[] p = pair(native1, native2);
    Message m1 = Frames.append(1, 2, 10);
    Message m2 = Frames.append(1, 2, 11);
    Message m3 = Frames.append(1, 2, 12);
    p[0].send(m1, m2, m3);
    assertEquals(List.of(m1, m2, m3), List.of(take(p[1]), take(p[1]), take(p[1])));
    Message back = Frames.append(2, 1, 13);
    p[1].send(back);
    assertEquals(back, take(p[0]));
  }

  /** A peer named by a host name is reached through a lookup off the node loop. */
  @Test
  void peerNamedByAHostNameIsLookedUp() throws Exception {
    Node a = new Node(1, true);
    Node b = new Node(2, true);
    a.listen(ANY_PORT, Set.of(2L));
    InetSocketAddress addrB = b.listen(ANY_PORT, Set.of(1L));
    a.connect(
        CLUSTER,
        Map.of(2L, InetSocketAddress.createUnresolved("localhost", addrB.getPort())),
        HIGH_WATER);
    waitUntil("node 1 connected to localhost", () -> a.connectedTo(2));
    Message m = Frames.append(1, 2, 30);
    a.send(m);
    assertEquals(m, take(b));
  }

  @Test
  void stoppedPeerIsReportedUnreachableAndTheConnectionComesBack() throws Exception {
    Node[] p = pair(true, true);
    Node a = p[0];
    Node b = p[1];
    InetSocketAddress addrB = b.server.localAddress();

    await(b.server.close());
    waitUntil("node 1 sees the connection drop", () -> !a.connectedTo(2));
    a.unreachable.clear();
    a.send(Frames.append(1, 2, 20), Frames.append(1, 2, 21), Frames.append(1, 2, 22));
    assertEquals(List.of(2L), a.unreachable, "one report per send call");

    b.listen(addrB, Set.of(1L));
    waitUntil("node 1 reconnects", () -> a.connectedTo(2));
    Message m = Frames.append(1, 2, 23);
    a.send(m);
    assertEquals(m, take(b));
  }

  @Test
  void unwritableChannelReportsOnceAndDropsTheRestOfTheSend() throws Exception {
    Node a = new Node(1, true);
    Node b = new Node(2, true);
    InetSocketAddress addrB = b.listen(ANY_PORT, Set.of(1L));
    a.connect(CLUSTER, Map.of(2L, addrB), 1024);
    waitUntil("connected", () -> a.connectedTo(2));

    List<Message> batch = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      batch.add(
          Frames.append(1, 2, 100 + i).toBuilder()
              .setSnapshot(
                  io.raftjvm.proto.Snapshot.newBuilder()
                      .setData(ByteString.copyFrom(new byte[600])))
              .build());
    }
    a.send(batch.toArray(Message[]::new));
    assertEquals(List.of(2L), a.unreachable, "the high-water mark reports once per send");

    // The flush drains the buffer; a marker sent afterwards arrives after whatever got through.
    Message marker = Frames.append(1, 2, 999);
    waitUntil(
        "the marker arrives",
        () -> {
          try {
            a.send(marker);
          } catch (Exception e) {
            throw new AssertionError(e);
          }
          return b.received.contains(marker);
        });
    List<Message> got = new ArrayList<>(b.received);
    got.removeIf(marker::equals);
    assertTrue(!got.isEmpty() && got.size() < batch.size(), "delivered " + got.size());
    assertEquals(batch.subList(0, got.size()), got, "a prefix of the batch, in order");
  }

  @Test
  void peerOfAnotherClusterIsRefused() throws Exception {
    try (LogCapture log = new LogCapture(PeerInboundHandler.class)) {
      Node a = new Node(1, true);
      Node stranger = new Node(2, true);
      InetSocketAddress addrA = a.listen(ANY_PORT, Set.of(2L));
      stranger.connect("other", Map.of(1L, addrA), HIGH_WATER);
      String refusal = "cluster id 'other' != 'it'";
      waitUntil(
          "node 1 refuses the stranger",
          () -> {
            try {
              stranger.send(Frames.append(2, 1, 5)); // right behind the hello when connected
            } catch (Exception e) {
              throw new AssertionError(e);
            }
            return log.lines(Level.WARN).stream().anyMatch(l -> l.contains(refusal));
          });
      waitUntil("the stranger sees the connection closed", () -> stranger.unreachable.contains(1L));
      assertEquals(List.of(), new ArrayList<>(a.received));
    }
  }
}
