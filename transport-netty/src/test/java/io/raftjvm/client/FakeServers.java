package io.raftjvm.client;

import com.google.protobuf.ByteString;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.raftjvm.client.proto.Applied;
import io.raftjvm.client.proto.ClientError;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import io.raftjvm.client.proto.NotLeader;
import io.raftjvm.transport.ClientServer;
import io.raftjvm.transport.ClientService;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Fake servers for client tests: real {@link ClientServer}s on loopback whose services answer
 * through a function, completing off the I/O threads so that answers cross threads and reorder.
 * Closing this closes every server started from it.
 */
final class FakeServers implements AutoCloseable {
  private final MultiThreadIoEventLoopGroup group =
      new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  private final ExecutorService serviceThreads = Executors.newFixedThreadPool(2);
  private final List<Fake> started = new CopyOnWriteArrayList<>();

  /** A fake server: a ClientService answering through {@code answer} (null: never answers). */
  static final class Fake implements ClientService {
    final AtomicInteger proposes = new AtomicInteger();

    /** Every request received, in order. */
    final List<ClientRequest> seen = new CopyOnWriteArrayList<>();

    final Function<ClientRequest, ClientResponse> answer;
    volatile String leaderAddress;

    /** How long each answer is held back, in milliseconds. */
    volatile long delayMillis;

    volatile ExecutorService executor;
    ClientServer server;
    String address;

    Fake(Function<ClientRequest, ClientResponse> answer) {
      this.answer = answer;
    }

    /** A leader: answers a propose with the command reversed, a query with "q:" and the query. */
    static Fake leader() {
      return new Fake(
          request ->
              request.hasRegisterSession()
                  ? ClientResponse.newBuilder()
                      .setApplied(Applied.newBuilder().setIndex(42))
                      .build()
                  : request.hasPropose()
                      ? applied(
                          new StringBuilder(utf8(request.getPropose().getCommand().toByteArray()))
                              .reverse()
                              .toString())
                      : applied("q:" + utf8(request.getQuery().getQuery().toByteArray())));
    }

    /** A follower: answers NotLeader naming {@link #leaderAddress} (empty: no leader known). */
    static Fake follower(String leader) {
      Fake[] self = new Fake[1];
      self[0] =
          new Fake(
              request ->
                  ClientResponse.newBuilder()
                      .setNotLeader(
                          NotLeader.newBuilder()
                              .setLeaderId(1)
                              .setLeaderAddress(self[0].leaderAddress))
                      .build());
      self[0].leaderAddress = leader;
      return self[0];
    }

    @Override
    public CompletableFuture<ClientResponse> handle(ClientRequest request) {
      seen.add(request);
      if (request.hasPropose()) {
        proposes.incrementAndGet();
      }
      ClientResponse response = answer.apply(request);
      if (response == null) {
        return new CompletableFuture<>();
      }
      return CompletableFuture.supplyAsync(
          () -> response,
          delayMillis == 0
              ? executor
              : CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS, executor));
    }

    /** Stops listening and drops its connections, as a killed server would; from any thread. */
    void kill() {
      CompletableFuture.runAsync(server::close);
    }
  }

  Fake start(Fake fake) throws InterruptedException {
    fake.executor = serviceThreads;
    fake.server =
        new ClientServer(group, NioServerSocketChannel.class, fake, 1 << 20, 64 << 20, 10_000);
    started.add(fake);
    InetSocketAddress bound =
        fake.server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    fake.address = "127.0.0.1:" + bound.getPort();
    return fake;
  }

  @Override
  public void close() {
    started.forEach(f -> f.server.close());
    serviceThreads.shutdownNow();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Polls condition every 5 ms until it holds; fails naming what was awaited after 10 s. */
  static void await(java.util.function.BooleanSupplier condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(5); // polling a condition
    }
  }

  /** A loopback address where nothing listens (a port just released). */
  static String deadAddress() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return "127.0.0.1:" + s.getLocalPort();
    }
  }

  static ClientResponse applied(String result) {
    return ClientResponse.newBuilder()
        .setApplied(Applied.newBuilder().setIndex(1).setResult(ByteString.copyFromUtf8(result)))
        .build();
  }

  static ClientResponse registered(long session) {
    return ClientResponse.newBuilder().setApplied(Applied.newBuilder().setIndex(session)).build();
  }

  static ClientResponse error(ClientError.Code code, String message) {
    return ClientResponse.newBuilder()
        .setError(ClientError.newBuilder().setCode(code).setMessage(message))
        .build();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
