package io.raftjvm.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates event loop groups and picks the matching channel classes: native epoll when Linux offers
 * it, NIO otherwise. The channel class is derived from the group a channel will be registered on,
 * so a group and its channels can never disagree.
 */
public final class NettyEventLoops {
  private static final Logger LOG = LoggerFactory.getLogger(NettyEventLoops.class);

  private NettyEventLoops() {}

  /** True when the native epoll transport can be used on this machine. */
  public static boolean nativeAvailable() {
    return Epoll.isAvailable();
  }

  /** A group of {@code threads} loops named {@code name-N}: epoll when available, else NIO. */
  public static MultiThreadIoEventLoopGroup newGroup(int threads, String name) {
    return newGroup(threads, name, true);
  }

  /**
   * A group of {@code threads} loops named {@code name-N}. With {@code preferNative} false, NIO is
   * used even where epoll is available (tests, or to rule out the native transport).
   */
  public static MultiThreadIoEventLoopGroup newGroup(
      int threads, String name, boolean preferNative) {
    boolean epoll = preferNative && nativeAvailable();
    IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    if (epoll) {
      LOG.info("event loop group '{}' (threads: {}): native epoll transport", name, threads);
    } else if (preferNative) {
      LOG.info(
          "event loop group '{}' (threads: {}): NIO transport (epoll unavailable: {})",
          name,
          threads,
          Epoll.unavailabilityCause());
    } else {
      LOG.info("event loop group '{}' (threads: {}): NIO transport", name, threads);
    }
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name), factory);
  }

  /** True when {@code group} (or a single loop) runs the epoll I/O handler. */
  public static boolean isEpoll(EventLoopGroup group) {
    return group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class);
  }

  /** The client socket class for channels registered on {@code group}. */
  public static Class<? extends SocketChannel> socketChannelType(EventLoopGroup group) {
    return isEpoll(group) ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  /** The server socket class for channels registered on {@code group}. */
  public static Class<? extends ServerSocketChannel> serverChannelType(EventLoopGroup group) {
    return isEpoll(group) ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }
}
