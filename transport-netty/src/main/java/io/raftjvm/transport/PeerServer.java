package io.raftjvm.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelGroupFuture;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on the peer port and accepts connections from the other servers of the cluster. Each
 * accepted connection must open with a valid {@code PeerHello} (see {@link PeerInboundHandler});
 * its Raft messages then go to the {@link MessageSink}, one {@code deliver} per read burst.
 *
 * <p>Nothing here blocks: {@link #start()} and {@link #close()} return futures. Waiting on them is
 * for threads that are not event loops (a main thread, a test).
 */
public final class PeerServer {
  private static final Logger LOG = LoggerFactory.getLogger(PeerServer.class);

  private final InetSocketAddress bindAddress;
  private final ServerBootstrap bootstrap;

  /** Bytes held by incomplete frames, across the accepted connections. */
  private final FrameBudget budget;

  /** The listening channel and every accepted one, so that close() ends them all. */
  private final ChannelGroup channels =
      new DefaultChannelGroup("peer-server", GlobalEventExecutor.INSTANCE);

  /**
   * @param bindAddress where to listen; port 0 picks a free port (see {@link #localAddress()})
   * @param boss the group that accepts; {@code workers} the group accepted channels run on. Both
   *     must be of one kind (epoll or NIO); they may be the same group.
   * @param knownPeers the ids that may connect (not including {@code selfId})
   * @param maxFrameBytes largest frame accepted after a peer's hello, counting its length prefix
   * @param maxIncompleteFrameBytes most bytes incomplete frames may hold across all connections; a
   *     connection that would take them over is closed
   */
  public PeerServer(
      InetSocketAddress bindAddress,
      EventLoopGroup boss,
      EventLoopGroup workers,
      String clusterId,
      long selfId,
      Set<Long> knownPeers,
      MessageSink sink,
      int maxFrameBytes,
      long maxIncompleteFrameBytes) {
    this(
        bindAddress,
        boss,
        workers,
        clusterId,
        selfId,
        (LongPredicate) Set.copyOf(knownPeers)::contains,
        sink,
        maxFrameBytes,
        maxIncompleteFrameBytes);
  }

  /**
   * @param knownPeers whether a node id may connect; asked at each connection, so the owner can
   *     admit servers as the configuration changes
   */
  public PeerServer(
      InetSocketAddress bindAddress,
      EventLoopGroup boss,
      EventLoopGroup workers,
      String clusterId,
      long selfId,
      LongPredicate knownPeers,
      MessageSink sink,
      int maxFrameBytes,
      long maxIncompleteFrameBytes) {
    this.bindAddress = bindAddress;
    this.budget = new FrameBudget(maxIncompleteFrameBytes);
    this.initializer =
        new PeerServerInitializer(clusterId, selfId, knownPeers, sink, maxFrameBytes, budget);
    this.bootstrap =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(NettyEventLoops.serverChannelType(boss))
            .option(ChannelOption.SO_REUSEADDR, true)
            .handler(new Tracker(channels))
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.SO_KEEPALIVE, true)
            .childHandler(initializer);
  }

  private final PeerServerInitializer initializer;

  /**
   * TLS for connections accepted from now on (mutual: the peer's certificate must name the node its
   * hello claims). Plaintext by default.
   */
  public void tls(TlsLayer layer) {
    initializer.tls = layer;
  }

  /** Binds; the future completes once listening (or failed, e.g. the port is taken). */
  public ChannelFuture start() {
    ChannelFuture bind = bootstrap.bind(bindAddress);
    bind.addListener(
        (ChannelFuture f) -> {
          if (f.isSuccess()) {
            LOG.info("peer server listening on {}", f.channel().localAddress());
          } else {
            LOG.debug(
                "peer server cannot listen on {}: {}",
                bindAddress,
                f.cause().toString()); // the caller reports it
          }
        });
    return bind;
  }

  /** The address actually bound (useful with port 0); null before {@link #start()} completes. */
  public InetSocketAddress localAddress() {
    for (Channel ch : channels) {
      if (ch.parent() == null) {
        return (InetSocketAddress) ch.localAddress();
      }
    }
    return null;
  }

  /** Bytes held now by incomplete frames, across the accepted connections. */
  public long incompleteFrameBytes() {
    return budget.used();
  }

  /** Stops listening and closes every accepted connection. Does not shut down the groups. */
  public ChannelGroupFuture close() {
    return channels.close();
  }

  /**
   * Adds the listening channel and each accepted one to the group (which drops a channel again once
   * it closes). It is the listening channel's handler, so it sees each child before {@code
   * ServerBootstrap}'s acceptor registers it. Holds only the group; one instance per server.
   */
  private static final class Tracker extends ChannelInboundHandlerAdapter {
    private final ChannelGroup group;

    Tracker(ChannelGroup group) {
      this.group = group;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      group.add(ctx.channel());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      group.add((Channel) msg);
      ctx.fireChannelRead(msg);
    }
  }
}
