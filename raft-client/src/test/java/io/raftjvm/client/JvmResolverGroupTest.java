package io.raftjvm.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.resolver.AddressResolver;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Host names are looked up by the JVM's resolver, again on every connect, off the event loop. */
class JvmResolverGroupTest {
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

  @AfterEach
  void close() {
    group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static InetAddress ip(String s) throws UnknownHostException {
    return InetAddress.getByAddress(s, InetAddress.getByName(s).getAddress());
  }

  @Test
  void everyResolveLooksTheNameUpAgainOffTheLoop() throws Exception {
    List<String> threads = new CopyOnWriteArrayList<>();
    AtomicReference<String> now = new AtomicReference<>("10.0.0.1");
    try (JvmResolverGroup g =
        new JvmResolverGroup(
            "test-dns",
            host -> {
              threads.add(Thread.currentThread().getName());
              return new InetAddress[] {ip(now.get())};
            })) {
      EventExecutor loop = group.next();
      AddressResolver<InetSocketAddress> r = g.getResolver(loop);
      InetSocketAddress name = InetSocketAddress.createUnresolved("n3.example", 7000);
      assertEquals("10.0.0.1", resolve(r, name).getAddress().getHostAddress());
      now.set("10.0.0.2"); // the server moved under the same name
      assertEquals("10.0.0.2", resolve(r, name).getAddress().getHostAddress());
      assertEquals(2, threads.size(), "one lookup per resolve: " + threads);
      String loopThread = loop.submit(() -> Thread.currentThread().getName()).get();
      for (String t : threads) {
        assertTrue(t.startsWith("test-dns"), t);
        assertNotEquals(loopThread, t);
      }
    }
  }

  @Test
  void aNameThatDoesNotResolveFailsTheResolveWithTheName() throws Exception {
    try (JvmResolverGroup g =
        new JvmResolverGroup(
            "test-dns",
            host -> {
              throw new UnknownHostException(host + ": Name or service not known");
            })) {
      Future<InetSocketAddress> f =
          g.getResolver(group.next())
              .resolve(InetSocketAddress.createUnresolved("gone.example", 7000))
              .await();
      UnknownHostException e = assertInstanceOf(UnknownHostException.class, f.cause());
      assertTrue(e.getMessage().contains("gone.example"), e.getMessage());
    }
  }

  private static InetSocketAddress resolve(
      AddressResolver<InetSocketAddress> r, InetSocketAddress a) throws Exception {
    return r.resolve(a).get(10, TimeUnit.SECONDS);
  }
}
