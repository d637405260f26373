package io.raftjvm.faults.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.ResourceLeakDetector;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The link proxy on loopback, against a target that records what each connection receives. */
class LinkProxyTest {
  private EventLoopGroup group;
  private Target target;
  private LinkProxy proxy;

  @BeforeEach
  void setUp() throws IOException {
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    target = new Target();
    proxy =
        LinkProxy.start(
            group,
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            target.address(),
            "test",
            new SplittableRandom(7),
            1 << 20);
  }

  @AfterEach
  void tearDown() throws IOException {
    proxy.close();
    target.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  private Socket connect() throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.localAddress().getPort());
    s.setSoTimeout(20_000);
    return s;
  }

  @Test
  void forwardsLargeStreamsBothWaysIntact() throws Exception {
    byte[] data = new byte[8 << 20];
    new SplittableRandom(1).nextBytes(data);
    target.echo = true;
    try (Socket s = connect()) {
      Thread writer =
          new Thread(
              () -> {
                try {
                  s.getOutputStream().write(data);
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      writer.start();
      byte[] back = s.getInputStream().readNBytes(data.length);
      writer.join();
      assertArrayEquals(data, back);
    }
    assertTrue(proxy.bytesForwarded() >= 2L * data.length);
  }

  @Test
  void delayWithJitterHoldsEveryChunkAndNeverReorders() throws Exception {
    proxy.setFaults(LinkFaults.NONE.withDelay(100, 90));
    try (Socket s = connect()) {
      long t0 = System.nanoTime();
      OutputStream out = s.getOutputStream();
      for (int i = 0; i < 200; i++) {
        out.write(i);
        out.flush();
      }
      await(() -> target.received(0).length == 200);
      byte[] got = target.received(0);
      for (int i = 0; i < 200; i++) assertEquals((byte) i, got[i], "byte " + i);
      assertTrue(
          target.firstArrival(0) - t0 >= TimeUnit.MILLISECONDS.toNanos(10),
          "arrived before the delay");
    }
  }

  @Test
  void bandwidthCapSlowsTheStream() throws Exception {
    proxy.setFaults(LinkFaults.NONE.withBandwidth(128 << 10));
    try (Socket s = connect()) {
      long t0 = System.nanoTime();
      s.getOutputStream().write(new byte[256 << 10]);
      await(() -> target.received(0).length == 256 << 10);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms >= 1_800, "256 KiB at 128 KiB/s took only " + ms + " ms");
    }
  }

  @Test
  void aStallHoldsBytesUntilLiftedThenDeliversThemAll() throws Exception {
    proxy.setFaults(LinkFaults.NONE.withStall(true));
    try (Socket s = connect()) {
      s.getOutputStream().write(new byte[10_000]);
      await(() -> proxy.heldBytes() == 10_000);
      assertEquals(0, target.received(0).length);
      proxy.setFaults(LinkFaults.NONE);
      await(() -> target.received(0).length == 10_000);
      assertEquals(0, proxy.heldBytes());
    }
  }

  @Test
  void aStalledLinkHoldsNoMoreThanItsBound() throws Exception {
    proxy.setFaults(LinkFaults.NONE.withStall(true));
    try (Socket s = connect()) {
      Thread writer =
          new Thread(
              () -> {
                try {
                  s.getOutputStream().write(new byte[32 << 20]);
                } catch (IOException e) {
                  // the socket closes at the end of the test
                }
              });
      writer.setDaemon(true);
      writer.start();
      await(() -> proxy.heldBytes() >= 1 << 20);
      long held = proxy.heldBytes();
      assertTrue(held <= (1 << 20) + (256 << 10), "held " + held);
      proxy.setFaults(LinkFaults.NONE);
      await(() -> target.received(0).length == 32 << 20);
    }
  }

  @Test
  void resetCutsBothSidesAndTheSenderReconnects() throws Exception {
    proxy.setFaults(LinkFaults.NONE.withDelay(5_000, 0));
    try (Socket s = connect()) {
      s.getOutputStream().write(new byte[1_000]);
      await(() -> proxy.heldBytes() == 1_000);
      proxy.reset();
      assertThrows(
          IOException.class,
          () -> {
            int r = s.getInputStream().read();
            if (r == -1) throw new IOException("closed");
          });
      await(() -> target.closed(0));
      assertEquals(0, target.received(0).length, "held bytes of a reset connection were dropped");
      await(() -> proxy.connections() == 0);
    }
    proxy.setFaults(LinkFaults.NONE);
    try (Socket s = connect()) {
      s.getOutputStream().write(7);
      await(() -> target.connections() == 2 && target.received(1).length == 1);
    }
  }

  @Test
  void lateDeliveryPutsTheOldConnectionsBytesAfterTheNewOnes() throws Exception {
    proxy.setFaults(LinkFaults.NONE.withDelay(300, 0));
    try (Socket old = connect()) {
      old.getOutputStream().write('A');
      await(() -> proxy.heldBytes() == 1);
      long t0 = System.nanoTime();
      proxy.resetWithLateDelivery(1_000);
      proxy.setFaults(LinkFaults.NONE);
      try (Socket fresh = connect()) {
        fresh.getOutputStream().write('B');
        await(() -> target.connections() == 2 && target.received(1).length == 1);
        await(() -> target.received(0).length == 1);
        assertEquals('A', target.received(0)[0]);
        assertEquals('B', target.received(1)[0]);
        assertTrue(target.firstArrival(1) < target.firstArrival(0), "B arrived after A");
        assertTrue(
            target.firstArrival(0) - t0 >= TimeUnit.MILLISECONDS.toNanos(950), "A was not late");
        await(() -> target.closed(0));
      }
    }
  }

  @Test
  void closeFreesThePort() throws Exception {
    int port = proxy.localAddress().getPort();
    proxy.close();
    // The port is free once close returns; allow for the kernel's bookkeeping on a busy machine.
    await(
        () -> {
          try (ServerSocket again = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            return again.getLocalPort() == port;
          } catch (IOException e) {
            return false;
          }
        });
  }

  @Test
  void badFaultsAreRefusedInOneLine() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> LinkFaults.NONE.withDelay(5, 10));
    assertEquals("link faults: jitter 10 ms exceeds the delay 5 ms", e.getMessage());
    assertEquals(
        "delay 40±10 ms, bandwidth 64 KiB/s, stall",
        LinkFaults.NONE.withDelay(40, 10).withBandwidth(64 << 10).withStall(true).describe());
  }

  private static void await(BooleanSupplier c) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!c.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 30 s");
      Thread.sleep(5); // polling a condition
    }
  }

  /** A blocking server: one thread per connection records arrivals, optionally echoes. */
  private static final class Target implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final List<Conn> conns = new CopyOnWriteArrayList<>();
    volatile boolean echo;

    private static final class Conn {
      final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      volatile long first;
      volatile boolean closed;
    }

    Target() throws IOException {
      Thread t =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try {
                    Socket s = server.accept();
                    Conn c = new Conn();
                    conns.add(c);
                    Thread r = new Thread(() -> serve(s, c));
                    r.setDaemon(true);
                    r.start();
                  } catch (IOException e) {
                    return;
                  }
                }
              });
      t.setDaemon(true);
      t.start();
    }

    private void serve(Socket s, Conn c) {
      try (s;
          InputStream in = s.getInputStream();
          OutputStream out = s.getOutputStream()) {
        byte[] buf = new byte[64 << 10];
        int n;
        while ((n = in.read(buf)) > 0) {
          synchronized (c) {
            if (c.first == 0) c.first = System.nanoTime();
            c.bytes.write(buf, 0, n);
          }
          if (echo) out.write(buf, 0, n);
        }
      } catch (IOException e) {
        // a reset: recorded as closed
      } finally {
        c.closed = true;
      }
    }

    InetSocketAddress address() {
      return (InetSocketAddress) server.getLocalSocketAddress();
    }

    int connections() {
      return conns.size();
    }

    byte[] received(int i) {
      if (i >= conns.size()) return new byte[0];
      Conn c = conns.get(i);
      synchronized (c) {
        return c.bytes.toByteArray();
      }
    }

    long firstArrival(int i) {
      return conns.get(i).first;
    }

    boolean closed(int i) {
      return i < conns.size() && conns.get(i).closed;
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
