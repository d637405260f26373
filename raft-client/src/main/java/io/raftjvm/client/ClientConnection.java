package io.raftjvm.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.collection.LongObjectHashMap;
import io.raftjvm.client.ClientException.Kind;
import io.raftjvm.client.proto.ClientError;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection to one server's client port, carrying many requests at once (pipelining) matched
 * by request_id. Writes are flushed once per event-loop pass, however many were queued.
 *
 * <p>Invariant: every method runs on the client's event loop (the channel's loop); nothing here is
 * locked. The waiting and in-flight collections are bounded by the client's pending-request limit.
 */
final class ClientConnection {
  /** The server's client port, "host:port", as the dispatcher keys it. */
  final String address;

  private final ClientDispatcher dispatcher;
  private final Bootstrap bootstrap;
  private final int maxFrameBytes;

  /** Sent first once connected (request_id 0): the protocol version and what the client expects. */
  private final ClientRequest hello;

  /** The server refused the hello, saying this; the connection is closing. */
  private String refusal;

  /** Why, as the calls on the connection fail. */
  private Kind refusalKind;

  /** Calls sent before the connection came up, in order. */
  private final ArrayDeque<ClientCall> waiting = new ArrayDeque<>();

  /**
   * Calls written or being written, by {@link #key} of their request_id. Netty's map places a key
   * at its low bits and, on removal, shifts back the run of keys after it: request_ids are
   * consecutive, so unmixed they would form one run as long as the calls in flight, walked on every
   * answer (11 % of a benchmark client's CPU at 256 in flight).
   */
  private final LongObjectHashMap<ClientCall> inflight = new LongObjectHashMap<>();

  /** A request_id spread over all bits (multiplying by an odd constant is one-to-one). */
  private static long key(long requestId) {
    return requestId * 0x9E3779B97F4A7C15L;
  }

  /** TLS towards the server, or null. */
  private final SslContext ssl;

  private Channel channel;
  private boolean connected;
  private boolean closed;
  private boolean flushScheduled;

  ClientConnection(
      ClientDispatcher dispatcher,
      String address,
      Bootstrap bootstrap,
      int maxFrameBytes,
      ClientRequest hello,
      SslContext ssl) {
    this.ssl = ssl;
    this.dispatcher = dispatcher;
    this.hello = hello;
    this.address = address;
    this.bootstrap = bootstrap;
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Starts connecting; the outcome arrives on the loop. */
  void connect() {
    java.net.InetSocketAddress remote = HostPort.parse(address);
    ChannelFuture f =
        bootstrap
            .clone()
            .handler(new RaftClientInitializer(this, maxFrameBytes, ssl, remote))
            .connect(remote);
    channel = f.channel();
    f.addListener(
        done -> {
          if (!done.isSuccess()) {
            onClosed(done.cause());
          } else if (ssl == null) {
            onConnected();
          } else {
            // Nothing counts as sent before the server has proven who it is.
            channel
                .pipeline()
                .get(SslHandler.class)
                .handshakeFuture()
                .addListener(
                    hs -> {
                      String wrong =
                          hs.isSuccess()
                              ? ClientTls.checkServer(channel, dispatcher.clusterId())
                              : null;
                      if (hs.isSuccess() && wrong == null) {
                        onConnected();
                      } else {
                        Throwable why =
                            wrong != null
                                ? new javax.net.ssl.SSLPeerUnverifiedException(wrong)
                                : new javax.net.ssl.SSLException(
                                    "TLS handshake with "
                                        + address
                                        + " failed: "
                                        + io.raftjvm.client.tls.NettyTls.reason(hs.cause()));
                        onClosed(why);
                        channel.close();
                      }
                    });
          }
        });
  }

  boolean isClosed() {
    return closed;
  }

  /** Sends the call's current attempt (call.requestId), now or once connected. */
  void send(ClientCall call) {
    if (closed) {
      dispatcher.notSent(call, call.requestId, this, null);
    } else if (!connected) {
      waiting.add(call);
    } else {
      write(call);
    }
  }

  /**
   * Stops tracking the call's attempt id (it completed or was given up); a late answer is dropped.
   */
  void forget(long id, ClientCall call) {
    if (!removeInflight(id, call)) {
      waiting.remove(call);
    }
  }

  void close() {
    if (channel != null) {
      channel.close();
    }
  }

  /** What broke the connection, as its pipeline reported it; null if nothing did. */
  private Throwable failure;

  /** Whether the server answered anything on this connection. */
  private boolean answeredOnce;

  /** Whether the TLS handshake completed on this side. */
  private boolean handshaken;

  void handshaken() {
    handshaken = true;
  }

  /**
   * "connection to X lost", and why it may have been: with TLS 1.3 a server checks the client's
   * certificate after the client's side of the handshake is done, and a refusal then only shows as
   * the connection closing before any answer.
   */
  String lostDescription() {
    return "connection to "
        + address
        + " lost"
        + (handshaken && !answeredOnce
            ? " right after the TLS handshake, before any answer (the server may refuse this"
                + " client's certificate: none, or one from a CA it does not trust)"
            : "");
  }

  /** The pipeline caught cause; the connection closes next. */
  void failed(Throwable cause) {
    if (failure == null) failure = cause;
  }

  void onResponse(ClientResponse response) {
    answeredOnce = true;
    if (response.getRequestId() == 0) {
      // The answer to the hello: only ever a refusal. Everything sent after it was dropped unread.
      if (response.hasError()) {
        refusal = response.getError().getMessage();
        refusalKind =
            response.getError().getCode() == ClientError.Code.INCOMPATIBLE_VERSION
                ? Kind.INCOMPATIBLE_VERSION
                : Kind.WRONG_CLUSTER;
      }
      return;
    }
    ClientCall call = inflight.remove(key(response.getRequestId()));
    if (call != null) {
      dispatcher.answered(call, this, response);
    }
  }

  /** Stops tracking attempt id if it is call's; returns whether it was. */
  private boolean removeInflight(long id, ClientCall call) {
    if (inflight.get(key(id)) != call) return false;
    inflight.remove(key(id));
    return true;
  }

  /** The channel went inactive, or never connected. */
  void onClosed(Throwable cause) {
    if (closed) {
      return;
    }
    if (cause == null) cause = failure;
    closed = true;
    connected = false;
    dispatcher.connectionClosed(this);
    List<ClientCall> unsent = new ArrayList<>(waiting);
    waiting.clear();
    for (Unflushed u : unflushed) if (removeInflight(u.id(), u.call())) unsent.add(u.call());
    unflushed.clear();
    List<ClientCall> sent = new ArrayList<>(inflight.values());
    inflight.clear();
    if (refusal != null) {
      for (ClientCall call : unsent)
        dispatcher.refused(call, call.requestId, this, refusalKind, refusal);
      for (ClientCall call : sent)
        dispatcher.refused(call, call.requestId, this, refusalKind, refusal);
      return;
    }
    for (ClientCall call : unsent) {
      dispatcher.notSent(call, call.requestId, this, cause);
    }
    // A TLS failure before the server ever answered: the server read nothing.
    boolean tlsRefused = ClientTls.isTls(cause) && !answeredOnce;
    for (ClientCall call : sent) {
      if (tlsRefused) {
        dispatcher.notSent(
            call,
            call.requestId,
            this,
            new javax.net.ssl.SSLException(
                "TLS handshake with "
                    + address
                    + " failed: "
                    + io.raftjvm.client.tls.NettyTls.reason(cause)));
      } else {
        dispatcher.lost(call, call.requestId, this);
      }
    }
  }

  private void onConnected() {
    if (closed) {
      return;
    }
    connected = true;
    channel.writeAndFlush(hello);
    while (!waiting.isEmpty()) {
      write(waiting.poll());
    }
  }

  /**
   * Writes the attempt (handed to the channel with the others of this pass of the loop). It counts
   * as sent from here on, not from the write's success: bytes queued behind a full socket buffer (a
   * frozen server) may still reach the server later. A write that fails, or a connection that
   * closes before the pass ends, reached nothing.
   */
  private void write(ClientCall call) {
    long id = call.requestId;
    inflight.put(key(id), call);
    dispatcher.written(call, id);
    unflushed.add(new Unflushed(id, call, call.request(id)));
    if (!flushScheduled) {
      flushScheduled = true;
      channel.eventLoop().execute(this::flushWrites);
    }
  }

  /** An attempt written but not yet handed to the channel. */
  private record Unflushed(long id, ClientCall call, Framing.Request request) {}

  /** Attempts written in this pass of the loop, handed to the channel as one buffer. */
  private List<Unflushed> unflushed = new ArrayList<>();

  /**
   * After the pass that wrote them: the attempts still tracked go out as one buffer, flushed once.
   * A write that fails reached nothing.
   */
  private void flushWrites() {
    flushScheduled = false;
    if (unflushed.isEmpty() || closed) return;
    List<Unflushed> batch = unflushed;
    unflushed = new ArrayList<>(Math.max(16, batch.size()));
    List<Framing.Request> requests = new ArrayList<>(batch.size());
    for (Unflushed u : batch) if (inflight.get(key(u.id())) == u.call()) requests.add(u.request());
    if (requests.isEmpty()) return;
    channel
        .writeAndFlush(Framing.frames(requests))
        .addListener(
            done -> {
              if (done.isSuccess()) return;
              for (Unflushed u : batch) {
                if (removeInflight(u.id(), u.call()))
                  dispatcher.notSent(u.call(), u.id(), this, done.cause());
              }
            });
  }
}
