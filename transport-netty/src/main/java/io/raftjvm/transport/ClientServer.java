package io.raftjvm.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Objects;

/**
 * The client port: accepts client connections and serves {@link
 * io.raftjvm.client.proto.ClientRequest}s through a {@link ClientService}. The event loop groups
 * (one accepting, one serving the connections; they may be the same) and the channel class come
 * from the caller (who picks epoll or NIO); this class never shuts a group down.
 *
 * <p>Threading: {@link #bind} and {@link #close} block the calling thread and must not be called on
 * an event loop. Everything else happens on the groups' loops.
 */
public final class ClientServer implements AutoCloseable {
  private final EventLoopGroup acceptGroup;
  private final EventLoopGroup connectionGroup;
  private final Class<? extends ServerChannel> channelClass;
  private final ClientServerInitializer initializer;

  /** Bytes held by incomplete request frames, across the port's connections. */
  private final FrameBudget budget;

  /** Every accepted connection, so that {@link #close} ends them too. */
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

  /** The listening channel; null until bound. Set by the binding thread only. */
  private volatile Channel serverChannel;

  /**
   * @param maxFrameBytes largest accepted frame, counting its 4-byte length prefix
   * @param maxIncompleteFrameBytes most bytes incomplete frames may hold across all connections; a
   *     connection that would take them over is closed
   * @param maxOutstanding requests one connection may have unanswered before it gets UNAVAILABLE
   */
  public ClientServer(
      EventLoopGroup group,
      Class<? extends ServerChannel> channelClass,
      ClientService service,
      int maxFrameBytes,
      long maxIncompleteFrameBytes,
      int maxOutstanding) {
    this(
        group,
        group,
        channelClass,
        service,
        maxFrameBytes,
        maxIncompleteFrameBytes,
        maxOutstanding);
  }

  /**
   * A port whose listening channel lives on acceptGroup and whose connections live on
   * connectionGroup (a server passes its node's loop there, so that requests reach the core without
   * a hop between threads).
   */
  public ClientServer(
      EventLoopGroup acceptGroup,
      EventLoopGroup connectionGroup,
      Class<? extends ServerChannel> channelClass,
      ClientService service,
      int maxFrameBytes,
      long maxIncompleteFrameBytes,
      int maxOutstanding) {
    this.acceptGroup = Objects.requireNonNull(acceptGroup, "acceptGroup");
    this.connectionGroup = Objects.requireNonNull(connectionGroup, "connectionGroup");
    this.channelClass = Objects.requireNonNull(channelClass, "channelClass");
    this.budget = new FrameBudget(maxIncompleteFrameBytes);
    this.initializer =
        new ClientServerInitializer(service, maxFrameBytes, budget, maxOutstanding, connections);
  }

  /** TLS for connections accepted from now on; plaintext by default. */
  public void tls(TlsLayer layer) {
    initializer.tls = layer;
  }

  /** Bytes held now by incomplete request frames, across the port's connections. */
  public long incompleteFrameBytes() {
    return budget.used();
  }

  /** Binds and starts accepting; returns the bound address (useful with port 0). */
  public InetSocketAddress bind(SocketAddress address) throws InterruptedException {
    if (serverChannel != null) {
      throw new IllegalStateException("already bound to " + serverChannel.localAddress());
    }
    Channel ch =
        new ServerBootstrap()
            .group(acceptGroup, connectionGroup)
            .channel(channelClass)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(initializer)
            .bind(address)
            .sync()
            .channel();
    serverChannel = ch;
    return (InetSocketAddress) ch.localAddress();
  }

  /** Client connections open now. */
  public int connectionCount() {
    return connections.size();
  }

  /** The bound address, or null before {@link #bind}. */
  public InetSocketAddress localAddress() {
    Channel ch = serverChannel;
    return ch == null ? null : (InetSocketAddress) ch.localAddress();
  }

  /** Stops accepting and closes every client connection. Idempotent. */
  @Override
  public void close() {
    Channel ch = serverChannel;
    if (ch != null) {
      ch.close().syncUninterruptibly();
    }
    connections.close().syncUninterruptibly();
  }
}
