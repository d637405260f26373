package io.raftjvm.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.raftjvm.client.Backoff;
import io.raftjvm.client.HostPort;
import io.raftjvm.proto.PeerFrame;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one outbound connection to one peer: connects, says hello, and reconnects with {@link
 * Backoff} when the connection fails or drops. Logs "connected" and "lost" at INFO once per
 * transition; individual failed attempts only at DEBUG.
 *
 * <p>Confined to the node loop: the channel is registered on it, so every method and every listener
 * here runs on that thread and nothing is synchronized.
 */
final class PeerConnection {
  private static final Logger LOG = LoggerFactory.getLogger(PeerConnection.class);

  private final long peerId;
  private final InetSocketAddress address;

  /** The address as configured, host:port: a host name is looked up again on every connect. */
  private final String where;

  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final PeerFrame hello;
  private final Backoff backoff;

  /** Failed attempts in a row; loop only. */
  private int failures;

  private final LongConsumer unreachable;

  private Channel channel; // active and greeted, else null
  private ChannelFuture pendingConnect;
  private ScheduledFuture<?> pendingRetry;
  private long connectedAtNanos;
  private boolean downLogged;

  /** Connection attempts that failed since the last success (for the summary); loop only. */
  private long failedConnects;

  private boolean closed;

  // For monitoring, written on the loop only.
  private volatile boolean up;
  private volatile long connects;
  private boolean inSend; // between beginSend() and endSend()
  private boolean reported; // unreachable already reported during the current send
  private Channel unflushed; // written to during the current send

  PeerConnection(
      long peerId,
      InetSocketAddress address,
      EventLoop loop,
      Bootstrap template,
      int maxFrameBytes,
      PeerFrame hello,
      Backoff backoff,
      LongConsumer unreachable,
      java.util.function.BiConsumer<Long, String> onNotMember,
      java.util.function.Supplier<TlsLayer> tls,
      String clusterId) {
    this.peerId = peerId;
    this.address = address;
    this.where = HostPort.format(address);
    this.loop = loop;
    this.hello = hello;
    this.backoff = backoff;
    this.unreachable = unreachable;
    PeerWritabilityHandler writability = new PeerWritabilityHandler(this::onUnwritable);
    this.bootstrap =
        template
            .clone()
            .remoteAddress(address)
            .handler(
                new PeerOutboundInitializer(
                    maxFrameBytes,
                    writability,
                    notice -> onNotMember.accept(peerId, notice),
                    tls,
                    clusterId,
                    peerId));
  }

  InetSocketAddress address() {
    return address;
  }

  void connect() {
    pendingRetry = null;
    if (closed || channel != null || pendingConnect != null) {
      return;
    }
    pendingConnect = bootstrap.connect();
    pendingConnect.addListener((ChannelFuture f) -> onConnectDone(f));
  }

  @SuppressWarnings("NonAtomicVolatileUpdate") // only the loop writes connects
  private void onConnectDone(ChannelFuture f) {
    pendingConnect = null;
    if (closed) {
      f.channel().close();
      return;
    }
    if (!f.isSuccess()) {
      failedConnects++;
      if (!downLogged) {
        downLogged = true;
        LOG.info("peer {} at {} unreachable ({}), retrying", peerId, where, f.cause().toString());
      } else {
        LOG.debug("peer {} at {}: connect failed: {}", peerId, where, f.cause().toString());
      }
      scheduleRetry();
      return;
    }
    Channel ch = f.channel();
    ch.writeAndFlush(hello, ch.voidPromise()); // first, before send() can see the channel
    channel = ch;
    up = true;
    connects = connects + 1;
    connectedAtNanos = System.nanoTime();
    downLogged = false;
    String at = where + resolvedTo(ch);
    if (failedConnects > 0) {
      LOG.info(
          "connected to peer {} at {} after {} failed attempt{}",
          peerId,
          at,
          failedConnects,
          failedConnects == 1 ? "" : "s");
    } else {
      LOG.info("connected to peer {} at {}", peerId, at);
    }
    failedConnects = 0;
    ch.closeFuture().addListener(cf -> onClosed(ch));
  }

  private void onClosed(Channel ch) {
    if (channel != ch) {
      return; // closed by close()
    }
    channel = null;
    up = false;
    long livedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectedAtNanos);
    if (livedMillis >= backoff.max().toMillis()) {
      failures = 0; // it was a working connection; a refused one keeps backing off
    }
    downLogged = true;
    LOG.info("lost connection to peer {} at {}", peerId, where + resolvedTo(ch));
    reportUnreachable();
    scheduleRetry();
  }

  /** " (10.0.0.7)" when the peer is named by a host name: which address the name led to. */
  private String resolvedTo(Channel ch) {
    if (!address.isUnresolved()
        || !(ch.remoteAddress() instanceof InetSocketAddress remote)
        || remote.getAddress() == null) return "";
    return " (" + remote.getAddress().getHostAddress() + ")";
  }

  private void scheduleRetry() {
    if (!closed) {
      pendingRetry =
          loop.schedule(this::connect, backoff.delayNanos(++failures), TimeUnit.NANOSECONDS);
    }
  }

  private void onUnwritable() {
    LOG.debug("channel to peer {} is over its high-water mark", peerId);
    reportUnreachable();
  }

  /** The channel if a message can be written now: connected, greeted, below the high-water mark. */
  Channel writableChannel() {
    Channel ch = channel;
    return ch != null && ch.isActive() && ch.isWritable() ? ch : null;
  }

  long peerId() {
    return peerId;
  }

  /** Whether the connection is up, and how many times it was made: any thread. */
  NettyTransport.PeerState state() {
    return new NettyTransport.PeerState(up, connects);
  }

  boolean isConnected() {
    return channel != null && channel.isActive();
  }

  /** Writes without flushing; {@link #endSend()} flushes. */
  void write(Channel ch, PeerFrame frame) {
    ch.write(frame, ch.voidPromise());
    unflushed = ch;
  }

  /** Start of one send call. */
  void beginSend() {
    inSend = true;
  }

  /**
   * Reports the peer unreachable: at most once within one send call (the send itself, the channel
   * turning unwritable or failing during it), every time outside one.
   */
  void reportUnreachable() {
    if (!reported) {
      reported = inSend;
      unreachable.accept(peerId);
    }
  }

  /** End of one send call: one flush for everything written, and re-arm the report. */
  void endSend() {
    if (unflushed != null) {
      unflushed.flush();
      unflushed = null;
    }
    inSend = false;
    reported = false;
  }

  /** Stops reconnecting and closes the channel (and a connect in progress). */
  Future<?> close() {
    closed = true;
    if (pendingRetry != null) {
      pendingRetry.cancel(false);
      pendingRetry = null;
    }
    Channel ch =
        channel != null ? channel : pendingConnect != null ? pendingConnect.channel() : null;
    channel = null;
    return ch == null ? loop.newSucceededFuture(null) : ch.close();
  }
}
