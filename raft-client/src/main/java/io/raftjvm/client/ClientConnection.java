package io.raftjvm.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

  /** Sent first once connected (request_id 0), or null. */
  private final ClientRequest hello;

  /** The server refused the hello, saying this; the connection is closing. */
  private String refusal;

  /** Calls sent before the connection came up, in order. */
  private final ArrayDeque<ClientCall> waiting = new ArrayDeque<>();

  /** Calls written or being written, by request_id. */
  private final Map<Long, ClientCall> inflight = new HashMap<>();

  private Channel channel;
  private boolean connected;
  private boolean closed;
  private boolean flushScheduled;

  ClientConnection(
      ClientDispatcher dispatcher,
      String address,
      Bootstrap bootstrap,
      int maxFrameBytes,
      ClientRequest hello) {
    this.dispatcher = dispatcher;
    this.hello = hello;
    this.address = address;
    this.bootstrap = bootstrap;
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Starts connecting; the outcome arrives on the loop. */
  void connect() {
    ChannelFuture f =
        bootstrap
            .clone()
            .handler(new RaftClientInitializer(this, maxFrameBytes))
            .connect(HostPort.parse(address));
    channel = f.channel();
    f.addListener(
        done -> {
          if (done.isSuccess()) {
            onConnected();
          } else {
            onClosed(done.cause());
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
    if (!inflight.remove(id, call)) {
      waiting.remove(call);
    }
  }

  void close() {
    if (channel != null) {
      channel.close();
    }
  }

  void onResponse(ClientResponse response) {
    if (response.getRequestId() == 0) {
      // The answer to the hello: only ever a refusal. Everything sent after it was dropped unread.
      if (response.hasError()) refusal = response.getError().getMessage();
      return;
    }
    ClientCall call = inflight.remove(response.getRequestId());
    if (call != null) {
      dispatcher.answered(call, this, response);
    }
  }

  /** The channel went inactive, or never connected. */
  void onClosed(Throwable cause) {
    if (closed) {
      return;
    }
    closed = true;
    connected = false;
    dispatcher.connectionClosed(this);
    List<ClientCall> unsent = new ArrayList<>(waiting);
    waiting.clear();
    List<ClientCall> sent = new ArrayList<>(inflight.values());
    inflight.clear();
    if (refusal != null) {
      for (ClientCall call : unsent) dispatcher.wrongCluster(call, call.requestId, this, refusal);
      for (ClientCall call : sent) dispatcher.wrongCluster(call, call.requestId, this, refusal);
      return;
    }
    for (ClientCall call : unsent) {
      dispatcher.notSent(call, call.requestId, this, cause);
    }
    for (ClientCall call : sent) {
      dispatcher.lost(call, call.requestId, this);
    }
  }

  private void onConnected() {
    if (closed) {
      return;
    }
    connected = true;
    if (hello != null) channel.writeAndFlush(hello);
    while (!waiting.isEmpty()) {
      write(waiting.poll());
    }
  }

  /**
   * Writes the attempt. It counts as sent from here on, not from the write's success: bytes queued
   * behind a full socket buffer (a frozen server) may still reach the server later. A write that
   * fails reached nothing.
   */
  private void write(ClientCall call) {
    long id = call.requestId;
    inflight.put(id, call);
    dispatcher.written(call, id);
    channel
        .write(call.request(id))
        .addListener(
            done -> {
              if (!done.isSuccess() && inflight.remove(id, call)) {
                dispatcher.notSent(call, id, this, done.cause());
              }
            });
    if (!flushScheduled) {
      flushScheduled = true;
      channel
          .eventLoop()
          .execute(
              () -> {
                flushScheduled = false;
                channel.flush();
              });
    }
  }
}
