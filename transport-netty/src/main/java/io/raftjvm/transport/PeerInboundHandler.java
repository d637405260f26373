package io.raftjvm.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.MessageType;
import io.raftjvm.proto.PeerFrame;
import io.raftjvm.proto.PeerHello;
import io.raftjvm.proto.PeerNotice;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server side of a peer connection: checks the hello, then hands the Raft messages of each read
 * burst to the {@link MessageSink} in one {@code deliver} call (at {@code channelReadComplete}).
 *
 * <p>The first frame must be a {@link PeerHello} with this cluster's id, {@code to} equal to this
 * node and {@code from} one of the known peers; otherwise one warning line is logged and the
 * connection closed. A second hello also closes it. Until the hello is accepted the connection's
 * {@link FrameDecoder} takes frames of at most {@link #MAX_FRAME_BYTES_BEFORE_HELLO}; accepting it
 * raises the decoder's limit to the transport's maximum, so a stranger cannot make this node hold a
 * large frame.
 *
 * <p>A message whose {@code from} is not the node that said hello, or whose {@code to} is not this
 * node, is dropped with a DEBUG line rather than closing the connection: the hello already
 * authenticated the peer, Raft tolerates lost messages, and closing would make the sender reconnect
 * in a loop (and lose the messages that were correct) over what is at worst a stale routing entry
 * on its side.
 *
 * <p>Stateful: one instance per channel (not {@code @Sharable}).
 */
final class PeerInboundHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(PeerInboundHandler.class);

  /** Largest frame before the hello is accepted, counting the length field (a hello is < 1 KiB). */
  static final int MAX_FRAME_BYTES_BEFORE_HELLO = 64 << 10;

  private enum State {
    AWAITING_HELLO,
    OPEN,
    CLOSED
  }

  private final String clusterId;
  private final long selfId;
  private final LongPredicate knownPeers;
  private final MessageSink sink;

  private State state = State.AWAITING_HELLO;

  /** The peer was told it is not a member (once per connection). */
  private boolean noticeSent;

  private long peerId;
  private List<Message> burst = new ArrayList<>();

  PeerInboundHandler(String clusterId, long selfId, Set<Long> knownPeers, MessageSink sink) {
    this(clusterId, selfId, (LongPredicate) knownPeers::contains, sink);
  }

  /** Refusals that repeat (a server knocking while it waits to be added) are logged sparingly. */
  private final RepeatedWarnings refusals;

  PeerInboundHandler(String clusterId, long selfId, LongPredicate knownPeers, MessageSink sink) {
    this(clusterId, selfId, knownPeers, sink, new RepeatedWarnings(System::nanoTime));
  }

  PeerInboundHandler(
      String clusterId,
      long selfId,
      LongPredicate knownPeers,
      MessageSink sink,
      RepeatedWarnings refusals) {
    this.refusals = refusals;
    this.clusterId = clusterId;
    this.selfId = selfId;
    this.knownPeers = knownPeers; // asked live: the server admits members as they join
    this.sink = sink;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof PeerFrame frame)) {
      ctx.fireChannelRead(msg); // not ours: let the tail release it
      return;
    }
    if (!ctx.channel().isOpen()) {
      return; // decoded after a protocol error closed the connection, in the same read
    }
    switch (state) {
      case AWAITING_HELLO -> onHello(ctx, frame);
      case OPEN -> onFrame(ctx, frame);
      case CLOSED -> {} // the rest of the burst after a refusal
    }
  }

  private void onHello(ChannelHandlerContext ctx, PeerFrame frame) {
    if (!frame.hasHello()) {
      refuse(ctx, String.valueOf(ctx.channel().remoteAddress()), "first frame is not a hello");
      return;
    }
    PeerHello hello = frame.getHello();
    String who = "node " + hello.getFrom();
    String incompatible =
        NettyTransport.PEER_PROTOCOL.refusal(
            who, hello.getProtocolVersion(), hello.getMinProtocolVersion());
    if (incompatible != null) {
      // Told, so that its log says why too (an older server logs a notice it cannot read as
      // nothing, and sees the connection close).
      ctx.writeAndFlush(
          PeerFrame.newBuilder()
              .setNotice(
                  PeerNotice.newBuilder()
                      .setRefused("node " + selfId + " refuses this server: " + incompatible))
              .build());
      refuse(ctx, who, incompatible);
    } else if (!clusterId.equals(hello.getClusterId())) {
      refuse(ctx, who, "cluster id " + quote(hello.getClusterId()) + " != " + quote(clusterId));
    } else if (!knownPeers.test(hello.getFrom())) {
      refuse(
          ctx,
          who,
          "unknown node id "
              + hello.getFrom()
              + " (not a member here; add it with raft-admin.sh add-learner)");
    } else if (hello.getTo() != selfId) {
      refuse(ctx, who, "hello addressed to node " + hello.getTo() + ", this is node " + selfId);
    } else if (removedNotice(hello.getFrom()) != null) {
      // A member once (known), not any more: it learns why before the connection closes.
      String notice = removedNotice(hello.getFrom());
      ctx.writeAndFlush(
          PeerFrame.newBuilder().setNotice(PeerNotice.newBuilder().setNotMember(notice)).build());
      noticeSent = true;
      refuse(
          ctx,
          who,
          notice + "; to bring it back, add it under a new id with an empty data directory");
    } else if (ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null
        && !namedByCertificate(ctx, hello.getFrom())) {
      java.security.cert.X509Certificate c = TlsLayer.peerCertificate(ctx.channel());
      refuse(
          ctx,
          who,
          "its certificate is "
              + (c == null ? "missing" : io.raftjvm.client.tls.RaftIdentity.describe(c))
              + ", not "
              + io.raftjvm.client.tls.RaftIdentity.nodeUri(clusterId, hello.getFrom()));
    } else {
      state = State.OPEN;
      peerId = hello.getFrom();
      FrameDecoder decoder = ctx.pipeline().get(FrameDecoder.class);
      if (decoder != null) decoder.raiseLimit(); // before the frames after the hello are decoded
      if (!hello.getFromAddress().isEmpty()) sink.peerAddress(peerId, hello.getFromAddress());
      String summary =
          refusals.resolved(
              who,
              "accepted peer connection from node "
                  + peerId
                  + " at "
                  + ctx.channel().remoteAddress());
      if (summary != null) LOG.info(summary);
      else
        LOG.info(
            "accepted peer connection from node {} at {}", peerId, ctx.channel().remoteAddress());
    }
  }

  private void onFrame(ChannelHandlerContext ctx, PeerFrame frame) {
    if (frame.hasSnapshotChunk()) {
      deliverBurst(); // in order with the messages before it
      sink.snapshotChunk(peerId, frame.getSnapshotChunk());
      return;
    }
    if (!frame.hasMessage()) {
      state = State.CLOSED;
      LOG.warn(
          "closing peer connection from {} (node {}): unexpected {} frame",
          ctx.channel().remoteAddress(),
          peerId,
          frame.getBodyCase());
      ctx.close();
      return;
    }
    Message m = frame.getMessage();
    if (m.getFrom() != peerId || m.getTo() != selfId) {
      LOG.debug(
          "dropped {} from {} to {} on the connection of node {} to node {}",
          m.getType(),
          m.getFrom(),
          m.getTo(),
          peerId,
          selfId);
      return;
    }
    if (!noticeSent
        && (m.getType() == MessageType.MSG_PRE_VOTE || m.getType() == MessageType.MSG_VOTE)) {
      String notice = sink.notMember(peerId);
      if (notice != null) {
        noticeSent = true;
        LOG.info("telling node {}: {}", peerId, notice);
        ctx.writeAndFlush(
            PeerFrame.newBuilder().setNotice(PeerNotice.newBuilder().setNotMember(notice)).build());
      }
    }
    if (m.getType() == MessageType.MSG_SNAPSHOT) {
      deliverBurst();
      sink.snapshotMessage(m); // stepped only once its data is complete and checked
      return;
    }
    burst.add(m);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    deliverBurst();
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    deliverBurst();
    if (state == State.OPEN) {
      LOG.info("peer connection from node {} at {} closed", peerId, ctx.channel().remoteAddress());
    }
    state = State.CLOSED;
    ctx.fireChannelInactive();
  }

  private void deliverBurst() {
    if (!burst.isEmpty()) {
      List<Message> out = burst;
      burst = new ArrayList<>(); // the sink owns the delivered list from now on
      sink.deliver(out);
    }
  }

  /** Why a known peer is not in this server's configuration any more (removed), or null. */
  private String removedNotice(long peer) {
    return sink.notMember(peer);
  }

  /** Over TLS: whether the peer's certificate names the node its hello claims to be. */
  private boolean namedByCertificate(ChannelHandlerContext ctx, long claimed) {
    java.security.cert.X509Certificate c = TlsLayer.peerCertificate(ctx.channel());
    return c != null && io.raftjvm.client.tls.RaftIdentity.namesNode(c, clusterId, claimed);
  }

  /** Quotes a string from the wire for a one-line log: short, no control characters. */
  static String quote(String s) {
    String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    return "'" + t.replaceAll("\\p{Cntrl}", "?") + "'";
  }

  private void refuse(ChannelHandlerContext ctx, String who, String reason) {
    state = State.CLOSED;
    String line = "refused peer connection from " + ctx.channel().remoteAddress() + ": " + reason;
    String now = refusals.occurred(who, line);
    if (now != null) LOG.warn(now);
    else LOG.debug(line);
    ctx.close();
  }
}
