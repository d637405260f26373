package io.raftjvm.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.PromiseCombiner;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.PeerFrame;
import io.raftjvm.proto.PeerHello;
import io.raftjvm.runtime.Transport;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Transport} over Netty: one outbound connection per peer ({@link PeerConnection}), each
 * registered on the node's own event loop so that {@link #send} writes with no thread hop.
 *
 * <p>{@code send} writes every message without flushing and then flushes once per peer. A
 * message for a peer whose channel is absent, inactive or above its high-water mark is dropped and
 * the peer reported unreachable (at most once per call); so is a peer whose channel turns
 * unwritable, or drops. Nothing is queued here beyond Netty's bounded outbound buffer.
 *
 * <p>Confined to the node loop: {@link #send} and {@link #isConnected} must be called on it;
 * {@link #start} and {@link #close} may be called from any thread and never block.
 */
public final class NettyTransport implements Transport {
  private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);
  static final long RECONNECT_MIN_MILLIS = 50;
  static final long RECONNECT_MAX_MILLIS = 2_000;
  static final double RECONNECT_JITTER = 0.2;
  static final int CONNECT_TIMEOUT_MILLIS = 3_000;

  private final EventLoop loop;
  private final Map<Long, PeerConnection> peers = new TreeMap<>();
  private final PeerConnection[] connections;

  /**
   * @param peers the other servers by id, at their peer ports (not including {@code selfId})
   * @param nodeLoop the node's loop: outbound channels are registered on it
   * @param maxFrameBytes largest frame accepted (the peer limits what we send it the same way)
   * @param highWaterBytes outbound buffer size above which a channel is unwritable (low = half)
   * @param unreachable called on the node loop with a peer id that cannot be reached now
   */
  public NettyTransport(String clusterId, long selfId, Map<Long, InetSocketAddress> peers,
      EventLoop nodeLoop, int maxFrameBytes, int highWaterBytes, LongConsumer unreachable) {
    if (peers.containsKey(selfId)) {
      throw new IllegalArgumentException("peer map contains this node's own id " + selfId);
    }
    if (highWaterBytes < 2) {
      throw new IllegalArgumentException("highWaterBytes too small: " + highWaterBytes);
    }
    this.loop = nodeLoop;
    Bootstrap template = new Bootstrap()
        .group(nodeLoop)
        .channel(NettyEventLoops.socketChannelType(nodeLoop))
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
            new WriteBufferWaterMark(highWaterBytes / 2, highWaterBytes));
    SplittableRandom random = new SplittableRandom();
    for (Map.Entry<Long, InetSocketAddress> e : new TreeMap<>(peers).entrySet()) {
      long id = e.getKey();
      PeerFrame hello = PeerFrame.newBuilder()
          .setHello(PeerHello.newBuilder().setClusterId(clusterId).setFrom(selfId).setTo(id))
          .build();
      ReconnectBackoff backoff = new ReconnectBackoff(
          RECONNECT_MIN_MILLIS, RECONNECT_MAX_MILLIS, RECONNECT_JITTER, random.split());
      this.peers.put(id, new PeerConnection(id, e.getValue(), nodeLoop, template, maxFrameBytes,
          hello, backoff, unreachable));
    }
    this.connections = this.peers.values().toArray(new PeerConnection[0]);
  }

  /** Opens the connection to every peer (asynchronously, on the node loop). */
  public void start() {
    onLoop(() -> {
      for (PeerConnection c : connections) {
        c.connect();
      }
    });
  }

  @Override
  public void send(List<Message> messages) {
    if (!loop.inEventLoop()) {
      throw new IllegalStateException("send must be called on the node loop");
    }
    if (messages.isEmpty()) {
      return;
    }
    for (PeerConnection c : connections) {
      c.beginSend();
    }
    try {
      for (Message m : messages) {
        PeerConnection c = peers.get(m.getTo());
        if (c == null) {
          LOG.debug("dropped {} to unknown node {}", m.getType(), m.getTo());
          continue;
        }
        Channel ch = c.writableChannel();
        if (ch == null) {
          c.reportUnreachable();
          continue;
        }
        c.write(ch, PeerFrame.newBuilder().setMessage(m).build());
      }
    } finally {
      for (PeerConnection c : connections) {
        c.endSend(); // one flush per peer written to
      }
    }
  }

  /** True when the connection to {@code peer} is up. Call on the node loop. */
  public boolean isConnected(long peer) {
    PeerConnection c = peers.get(peer);
    return c != null && c.isConnected();
  }

  /**
   * Stops reconnecting and closes every connection. Never blocks: the returned future completes
   * once all channels are closed (wait on it only from a thread that is not an event loop).
   */
  public Future<Void> close() {
    Promise<Void> done = loop.newPromise();
    try {
      onLoop(() -> {
        PromiseCombiner all = new PromiseCombiner(loop);
        for (PeerConnection c : connections) {
          all.add(c.close());
        }
        all.finish(done);
      });
    } catch (RejectedExecutionException e) {
      return GlobalEventExecutor.INSTANCE.newSucceededFuture(null); // loop gone, channels with it
    }
    return done;
  }

  private void onLoop(Runnable task) {
    if (loop.inEventLoop()) {
      task.run();
    } else {
      loop.execute(task);
    }
  }
}
