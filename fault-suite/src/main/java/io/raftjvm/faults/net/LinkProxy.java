package io.raftjvm.faults.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A userspace TCP proxy on one directed link, in the manner of Toxiproxy (this kernel has no
 * netem): it accepts connections on its address, opens a matching connection to the target, and
 * forwards bytes both ways under the current {@link LinkFaults}. It can also reset every connection
 * in mid-stream, and reset the senders while still delivering, late, what their dead connections
 * held, so that the receiver sees bytes of an old connection after those of the new one (what TCP
 * hides within one connection but not across two).
 *
 * <p>Thread-safe: the fault setters may be called from any thread. Each connection pair lives on
 * one event loop of the group (the accepted channel's), where all its state is touched.
 */
public final class LinkProxy implements AutoCloseable {
  private final String name;
  private final InetSocketAddress target;
  private final SplittableRandom random;
  private final long maxHeldBytes;
  private final Set<ProxiedConnection> open = ConcurrentHashMap.newKeySet();
  private final AtomicLong forwarded = new AtomicLong();
  private final AtomicLong held = new AtomicLong();
  private volatile LinkFaults faults = LinkFaults.NONE;
  private Channel listener;

  private LinkProxy(
      String name, InetSocketAddress target, SplittableRandom random, long maxHeldBytes) {
    this.name = name;
    this.target = target;
    this.random = random;
    this.maxHeldBytes = maxHeldBytes;
  }

  /**
   * Binds listen (synchronously) and forwards what arrives to target.
   *
   * @throws UncheckedIOException naming listen when it cannot be bound
   */
  public static LinkProxy start(
      EventLoopGroup group,
      InetSocketAddress listen,
      InetSocketAddress target,
      String name,
      SplittableRandom random,
      long maxHeldBytes) {
    if (maxHeldBytes < 1) throw new IllegalArgumentException("maxHeldBytes must be positive");
    LinkProxy p = new LinkProxy(name, target, random, maxHeldBytes);
    ChannelFuture bound =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    p.accepted(ch);
                  }
                })
            .bind(listen)
            .awaitUninterruptibly();
    if (!bound.isSuccess()) {
      Throwable c = bound.cause();
      throw new UncheckedIOException(
          "link proxy " + name + ": cannot listen on " + listen + ": " + c.getMessage(),
          c instanceof java.io.IOException io ? io : new java.io.IOException(c));
    }
    p.listener = bound.channel();
    return p;
  }

  /** Connects the accepted channel's partner to the target, on the same event loop. */
  private void accepted(SocketChannel in) {
    ProxiedConnection c = new ProxiedConnection(this, in);
    open.add(c);
    new Bootstrap()
        .group(in.eventLoop())
        .channel(NioSocketChannel.class)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
        .handler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel out) {
                c.upstream(out);
              }
            })
        .connect(target)
        .addListener(
            (ChannelFuture f) -> {
              if (f.isSuccess()) {
                c.start();
              } else {
                c.reset();
              }
            });
  }

  public String name() {
    return name;
  }

  /** The address it listens on (its port when bound to port 0). */
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) listener.localAddress();
  }

  /** Applies to bytes read from now on; lifting a stall releases what it held. */
  public void setFaults(LinkFaults faults) {
    this.faults = faults;
    for (ProxiedConnection c : open) c.execute(c::faultsChanged);
  }

  public LinkFaults faults() {
    return faults;
  }

  /** Resets every connection, both sides, with TCP RST; bytes held in the proxy are dropped. */
  public void reset() {
    for (ProxiedConnection c : open) c.execute(c::reset);
  }

  /**
   * Resets the sending side of every connection (it reconnects at once and its new connection goes
   * through), but delivers what the dead connections held to the receiver lateMillis from now,
   * after the new connections' bytes, then closes them.
   */
  public void resetWithLateDelivery(long lateMillis) {
    long at = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(lateMillis);
    for (ProxiedConnection c : open) c.execute(() -> c.resetSenderDeliverLate(at));
  }

  /** Connection pairs open now. */
  public int connections() {
    return open.size();
  }

  /** Bytes written to either side so far. */
  public long bytesForwarded() {
    return forwarded.get();
  }

  /** Bytes read and not yet delivered, over all connections. */
  public long heldBytes() {
    return held.get();
  }

  @Override
  public void close() {
    if (listener != null) listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    reset();
  }

  @Override
  public String toString() {
    return "link " + name;
  }

  // For ProxiedConnection.

  LinkFaults currentFaults() {
    return faults;
  }

  long maxHeldBytes() {
    return maxHeldBytes;
  }

  long jitterNanos(long jitterMillis) {
    if (jitterMillis == 0) return 0;
    synchronized (random) { // shared by the event loops of the group
      return TimeUnit.MILLISECONDS.toNanos(random.nextLong(-jitterMillis, jitterMillis + 1));
    }
  }

  void held(long delta) {
    held.addAndGet(delta);
  }

  void forwarded(long bytes) {
    forwarded.addAndGet(bytes);
  }

  void closed(ProxiedConnection c) {
    open.remove(c);
  }
}
