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
import io.raftjvm.client.Backoff;
import io.raftjvm.client.HostPort;
import io.raftjvm.client.JvmResolverGroup;
import io.raftjvm.client.ProtocolVersion;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Member;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.PeerFrame;
import io.raftjvm.proto.PeerHello;
import io.raftjvm.runtime.SnapshotStore;
import io.raftjvm.runtime.Transport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Transport} over Netty: one outbound connection per peer ({@link PeerConnection}), each
 * registered on the node's own event loop so that {@link #send} writes with no thread hop.
 *
 * <p>{@code send} writes every message without flushing and then flushes once per peer. A message
 * for a peer whose channel is absent, inactive or above its high-water mark is dropped and the peer
 * reported unreachable (at most once per call); so is a peer whose channel turns unwritable, or
 * drops. Nothing is queued here beyond Netty's bounded outbound buffer.
 *
 * <p>Confined to the node loop: {@link #send} and {@link #isConnected} must be called on it; {@link
 * #start} and {@link #close} may be called from any thread and never block.
 */
public final class NettyTransport implements Transport {
  private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);

  /**
   * The peer protocol (peer.proto and what the frames mean), stated in every hello; a peer whose
   * range does not overlap is refused (see {@link ProtocolVersion} for what a release may change).
   */
  public static final ProtocolVersion PEER_PROTOCOL = new ProtocolVersion("peer protocol", 1, 1);

  static final long RECONNECT_MIN_MILLIS = 50;
  static final long RECONNECT_MAX_MILLIS = 2_000;
  static final int CONNECT_TIMEOUT_MILLIS = 3_000;

  private final EventLoop loop;
  private final String clusterId;
  private final long selfId;
  private final Bootstrap template;

  /**
   * Looks peers' host names up again on every connect, off the node loop: a peer that moved to
   * another address under its name is found.
   */
  private final JvmResolverGroup resolver;

  private final int maxFrameBytes;
  private final LongConsumer unreachable;
  private final SplittableRandom random = new SplittableRandom();

  /** Peers named at construction: kept even when the configuration does not name them. */
  private final Set<Long> configured;

  /** Node loop only. */
  private final Map<Long, PeerConnection> peers = new TreeMap<>();

  /** peers' values, for the send loop. Node loop only. */
  private volatile PeerConnection[] connections;

  private boolean started;

  /** This server's peer address as sent in hellos ("" when not advertised). */
  private final String advertisedAddress;

  private volatile int snapshotChunkBytes = 1 << 20;

  /**
   * @param peers the other servers by id, at their peer ports (not including {@code selfId})
   * @param nodeLoop the node's loop: outbound channels are registered on it
   * @param maxFrameBytes largest frame accepted (the peer limits what we send it the same way)
   * @param highWaterBytes outbound buffer size above which a channel is unwritable (low = half)
   * @param unreachable called on the node loop with a peer id that cannot be reached now
   */
  public NettyTransport(
      String clusterId,
      long selfId,
      Map<Long, InetSocketAddress> peers,
      EventLoop nodeLoop,
      int maxFrameBytes,
      int highWaterBytes,
      LongConsumer unreachable) {
    this(clusterId, selfId, "", peers, nodeLoop, maxFrameBytes, highWaterBytes, unreachable);
  }

  /**
   * @param advertisedAddress this server's peer address (host:port), sent in every hello so that a
   *     peer that does not know it yet can connect back
   */
  public NettyTransport(
      String clusterId,
      long selfId,
      String advertisedAddress,
      Map<Long, InetSocketAddress> peers,
      EventLoop nodeLoop,
      int maxFrameBytes,
      int highWaterBytes,
      LongConsumer unreachable) {
    if (peers.containsKey(selfId)) {
      throw new IllegalArgumentException("peer map contains this node's own id " + selfId);
    }
    if (highWaterBytes < 2) {
      throw new IllegalArgumentException("highWaterBytes too small: " + highWaterBytes);
    }
    this.loop = nodeLoop;
    this.advertisedAddress = advertisedAddress;
    this.clusterId = clusterId;
    this.selfId = selfId;
    this.maxFrameBytes = maxFrameBytes;
    this.unreachable = unreachable;
    this.configured = Set.copyOf(peers.keySet());
    this.resolver = new JvmResolverGroup("raft-" + selfId + "-dns");
    this.template =
        new Bootstrap()
            .group(nodeLoop)
            .resolver(resolver)
            .channel(NettyEventLoops.socketChannelType(nodeLoop))
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
            .option(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(highWaterBytes / 2, highWaterBytes));
    for (Map.Entry<Long, InetSocketAddress> e : new TreeMap<>(peers).entrySet()) {
      this.peers.put(e.getKey(), newConnection(e.getKey(), e.getValue()));
    }
    this.connections = this.peers.values().toArray(new PeerConnection[0]);
  }

  private PeerConnection newConnection(long id, InetSocketAddress address) {
    PeerFrame hello =
        PeerFrame.newBuilder()
            .setHello(
                PeerHello.newBuilder()
                    .setClusterId(clusterId)
                    .setFrom(selfId)
                    .setTo(id)
                    .setFromAddress(advertisedAddress)
                    .setProtocolVersion(PEER_PROTOCOL.current())
                    .setMinProtocolVersion(PEER_PROTOCOL.oldest()))
            .build();
    Backoff backoff =
        new Backoff(
            Duration.ofMillis(RECONNECT_MIN_MILLIS),
            Duration.ofMillis(RECONNECT_MAX_MILLIS),
            random.split());
    return new PeerConnection(
        id,
        address,
        loop,
        template,
        maxFrameBytes,
        hello,
        backoff,
        unreachable,
        (peer, notice) -> onNotMember.accept(peer, notice),
        () -> tls,
        clusterId);
  }

  /** TLS in front of each new outbound connection; plaintext by default. */
  private volatile TlsLayer tls = TlsLayer.PLAINTEXT;

  /**
   * TLS for connections opened from now on: this server presents its certificate, and a peer whose
   * certificate does not name the node it was dialled as is disconnected. Set before {@link
   * #start()}.
   */
  public void tls(TlsLayer layer) {
    this.tls = layer;
  }

  /** Told when a peer says this server is not in its configuration (I/O thread). */
  private volatile java.util.function.BiConsumer<Long, String> onNotMember = (peer, notice) -> {};

  /** Registers who hears a peer's notice that this server is not a member of its configuration. */
  public void onNotMember(java.util.function.BiConsumer<Long, String> listener) {
    this.onNotMember = listener;
  }

  /** Opens the connection to every peer (asynchronously, on the node loop). */
  public void start() {
    onLoop(
        () -> {
          started = true;
          for (PeerConnection c : connections) {
            c.connect();
          }
        });
  }

  /**
   * Follows a configuration change: connects to members it names that are new (or moved to another
   * address), and closes connections to servers that left, unless they were given at construction.
   * Call on the node loop.
   */
  @Override
  public void updateMembers(ConfState conf) {
    if (!loop.inEventLoop()) {
      throw new IllegalStateException("updateMembers must be called on the node loop");
    }
    Map<Long, InetSocketAddress> wanted = new TreeMap<>();
    for (Member m : conf.getMembersList()) {
      if (m.getId() == selfId || m.getPeerAddress().isEmpty()) continue;
      try {
        wanted.put(m.getId(), HostPort.parse(m.getPeerAddress()));
      } catch (IllegalArgumentException e) {
        LOG.warn("cannot reach node {}: {}", m.getId(), e.getMessage());
      }
    }
    boolean changed = false;
    for (Map.Entry<Long, InetSocketAddress> e : wanted.entrySet()) {
      PeerConnection old = peers.get(e.getKey());
      if (old != null && sameAddress(old.address(), e.getValue())) continue;
      if (old != null) old.close();
      PeerConnection c = newConnection(e.getKey(), e.getValue());
      peers.put(e.getKey(), c);
      if (started) c.connect();
      LOG.info("node {} is now reached at {}", e.getKey(), HostPort.format(e.getValue()));
      changed = true;
    }
    List<Long> members = new ArrayList<>(conf.getVotersList());
    members.addAll(conf.getLearnersList());
    for (var it = peers.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!members.contains(e.getKey())
          && !configured.contains(e.getKey())
          && !wanted.containsKey(e.getKey())) {
        LOG.info("node {} left the configuration: closing its connection", e.getKey());
        e.getValue().close();
        it.remove();
        changed = true;
      }
    }
    if (changed) connections = peers.values().toArray(new PeerConnection[0]);
  }

  private static boolean sameAddress(InetSocketAddress a, InetSocketAddress b) {
    return a.getPort() == b.getPort() && a.getHostString().equals(b.getHostString());
  }

  /**
   * Bytes of snapshot data per chunk (InstallSnapshot); at most one chunk per stream is in memory.
   */
  public void snapshotChunkBytes(int bytes) {
    if (bytes < 1)
      throw new IllegalArgumentException("snapshot chunk size must be positive: " + bytes);
    this.snapshotChunkBytes = bytes;
  }

  @Override
  public void sendSnapshot(Message message, SnapshotStore.Stored snapshot, Consumer<Boolean> done) {
    if (!loop.inEventLoop())
      throw new IllegalStateException("sendSnapshot must be called on the node loop");
    PeerConnection c = peers.get(message.getTo());
    Channel ch = c == null ? null : c.writableChannel();
    if (ch == null) {
      done.accept(false);
      return;
    }
    new SnapshotStream(ch, message, snapshot, snapshotChunkBytes, done).start();
  }

  /**
   * A peer this transport has no address for introduced itself (its hello named its address): a
   * server that just joined can then answer a leader its configuration does not name yet. Known
   * peers keep the address they have. Any thread.
   */
  public void learnPeer(long id, String address) {
    onLoop(
        () -> {
          if (id == selfId || peers.containsKey(id)) return;
          InetSocketAddress a;
          try {
            a = HostPort.parse(address);
          } catch (IllegalArgumentException e) {
            LOG.warn("node {} introduced itself with a bad address: {}", id, e.getMessage());
            return;
          }
          PeerConnection c = newConnection(id, a);
          peers.put(id, c);
          connections = peers.values().toArray(new PeerConnection[0]);
          if (started) c.connect();
          LOG.info("node {} introduced itself: reached at {}", id, address);
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

  /**
   * An outbound peer connection as monitoring sees it.
   *
   * @param connects connections made since start (a reconnect counts)
   */
  public record PeerState(boolean connected, long connects) {}

  /** Each peer's outbound connection, by id. Any thread. */
  public Map<Long, PeerState> peerStates() {
    Map<Long, PeerState> out = new TreeMap<>();
    for (PeerConnection c : connections) out.put(c.peerId(), c.state());
    return out;
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
      onLoop(
          () -> {
            PromiseCombiner all = new PromiseCombiner(loop);
            for (PeerConnection c : connections) {
              all.add(c.close());
            }
            all.finish(done);
          });
    } catch (RejectedExecutionException e) {
      resolver.close();
      return GlobalEventExecutor.INSTANCE.newSucceededFuture(null); // loop gone, channels with it
    }
    done.addListener(f -> resolver.close());
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
