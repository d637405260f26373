package io.raftjvm.counter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.client.proto.ClientResponse;
import io.raftjvm.core.Role;
import io.raftjvm.server.RaftServer;
import io.raftjvm.server.ServerConfig;
import io.raftjvm.server.TestClusters;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thesis §6.3: the leader applies a command and dies before its reply reaches the client. The
 * client reaches the leader through a proxy that swallows the reply to the first add; the test then
 * stops the leader. The client, in its session, sends the add again to the new leader with the same
 * sequence number, and gets the first result back: the counter went up exactly once.
 */
@Tag("integration")
class ExactlyOnceIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path tmp;
  private final Map<Long, RaftServer> servers = new TreeMap<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables) c.close();
    servers.values().forEach(RaftServer::close);
  }

  private RaftServer leader() {
    return servers.values().stream()
        .filter(s -> s.driver().role() == Role.LEADER)
        .findFirst()
        .orElse(null);
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    TestClusters.await(what, WAIT, condition);
  }

  /** Forwards one client connection to target; drops the first response that carries a result. */
  static final class SwallowingProxy implements AutoCloseable {
    final ServerSocket listener =
        new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    final AtomicBoolean swallowed = new AtomicBoolean();
    final CountDownLatch swallowedOne = new CountDownLatch(1);
    private final List<Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();

    SwallowingProxy(InetSocketAddress target) throws IOException {
      Thread accept =
          new Thread(
              () -> {
                try {
                  while (true) {
                    Socket client = listener.accept();
                    Socket server = new Socket(target.getAddress(), target.getPort());
                    sockets.add(client);
                    sockets.add(server);
                    pipe(client.getInputStream(), server.getOutputStream());
                    responses(server.getInputStream(), client.getOutputStream(), client);
                  }
                } catch (IOException e) {
                  // closed
                }
              },
              "proxy-accept");
      accept.setDaemon(true);
      accept.start();
    }

    String address() {
      return "127.0.0.1:" + listener.getLocalPort();
    }

    private static void pipe(InputStream in, OutputStream out) {
      Thread t =
          new Thread(
              () -> {
                try {
                  in.transferTo(out);
                } catch (IOException e) {
                  // either side closed
                }
              },
              "proxy-requests");
      t.setDaemon(true);
      t.start();
    }

    /**
     * Frame by frame: 4-byte length, then a ClientResponse. The first Applied answer to a propose
     * is dropped.
     */
    private void responses(InputStream in, OutputStream out, Socket client) {
      Thread t =
          new Thread(
              () -> {
                try (DataInputStream din = new DataInputStream(in)) {
                  DataOutputStream dout = new DataOutputStream(out);
                  while (true) {
                    byte[] frame = new byte[din.readInt()];
                    din.readFully(frame);
                    ClientResponse r = ClientResponse.parseFrom(frame);
                    boolean addResult = r.hasApplied() && r.getApplied().getResult().size() == 8;
                    if (addResult && swallowed.compareAndSet(false, true)) {
                      swallowedOne.countDown();
                      continue;
                    }
                    dout.writeInt(frame.length);
                    dout.write(frame);
                    dout.flush();
                  }
                } catch (IOException e) {
                  try {
                    client.close(); // the server went away: so does the client's connection
                  } catch (IOException ignored) {
                    // closing
                  }
                }
              },
              "proxy-responses");
      t.setDaemon(true);
      t.start();
    }

    @Override
    public void close() throws IOException {
      listener.close();
      for (Socket s : sockets) s.close();
    }
  }

  @Test
  void aCommandAppliedBeforeTheLeaderDiedIsNotAppliedAgainWhenRetried() throws Exception {
    int[] ports = TestClusters.freePorts(6);
    Map<Long, String> clients = new TreeMap<>();
    for (long id = 1; id <= 3; id++) {
      clients.put(id, "127.0.0.1:" + ports[3 + (int) id - 1]);
      ServerConfig c =
          TestClusters.config(
              TestClusters.peers(ports)
                  + "raft.cluster-id = once-it\nraft.node-id = "
                  + id
                  + "\nraft.data-dir = "
                  + TestClusters.quoted(tmp.resolve("node" + id))
                  + "\nraft.state-machine = counter\nraft.tick-interval = 50ms\nraft.election-ticks = 10\n"
                  + "raft.plugins-dir = "
                  + TestClusters.quoted(tmp.resolve("no-plugins"))
                  + "\n");
      servers.put(id, RaftServer.start(c));
    }
    await("a leader", () -> leader() != null);
    long leaderId = leader().config().nodeId();
    String[] hp = clients.get(leaderId).split(":");
    SwallowingProxy proxy =
        new SwallowingProxy(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])));
    closeables.add(proxy);

    // The proxy first: the client talks to the leader through it, and falls back to the others.
    List<String> addresses = new ArrayList<>(List.of(proxy.address()));
    clients.forEach(
        (id, a) -> {
          if (id != leaderId) addresses.add(a);
        });
    try (RaftClient client =
        RaftClient.create(
            RaftClientOptions.builder(addresses).requestTimeout(Duration.ofSeconds(30)).build())) {
      CompletableFuture<byte[]> add = client.propose(CounterWire.add(7));
      assertTrue(proxy.swallowedOne.await(30, TimeUnit.SECONDS), "the leader answered the add");
      RaftServer old = leader();
      long applied = old.driver().appliedIndex();
      assertTrue(applied > 0);
      servers.remove(leaderId).close(); // the reply never reached the client
      byte[] result = add.get(30, TimeUnit.SECONDS);
      assertEquals(7, CounterWire.value(result), "the retry answered the first result");
      await("a new leader", () -> leader() != null);
      assertEquals(
          7, CounterWire.value(client.querySync(CounterWire.get())), "applied once, not twice");
      for (long id : servers.keySet()) {
        try (ReplicaClient r = new ReplicaClient(clients.get(id), Duration.ofSeconds(10))) {
          await(
              "replica " + id + " has the add",
              () -> {
                try {
                  return r.value() == 7;
                } catch (Exception e) {
                  return false;
                }
              });
        }
      }
    }
  }
}
