package io.raftjvm.server.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.raftjvm.transport.NettyEventLoops;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP port: Netty's HTTP/1.1 codec on the server's I/O group, in front of an {@link
 * HttpRouter}. Requests are small GETs: headers beyond 8 KiB or a body beyond 64 KiB get a 4xx and
 * the connection is closed; idle connections close after a minute.
 */
public final class HttpServer implements AutoCloseable {
  static final int MAX_BODY_BYTES = 64 * 1024;

  private final EventLoopGroup group;
  private final HttpEndpoints endpoints;
  private final String allowedOrigin;
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private volatile Channel serverChannel;

  /**
   * @param allowedOrigin the Access-Control-Allow-Origin for JSON and health answers; empty: none
   */
  public HttpServer(EventLoopGroup group, HttpEndpoints endpoints, String allowedOrigin) {
    this.group = group;
    this.endpoints = endpoints;
    this.allowedOrigin = allowedOrigin;
  }

  /** TLS in front of each new connection; plaintext by default. */
  private volatile io.raftjvm.transport.TlsLayer tls = io.raftjvm.transport.TlsLayer.PLAINTEXT;

  /** TLS for connections accepted from now on (HTTPS). */
  public void tls(io.raftjvm.transport.TlsLayer layer) {
    this.tls = layer;
  }

  /** Binds and starts serving; returns the bound address (useful with port 0). */
  public InetSocketAddress bind(InetSocketAddress address) throws InterruptedException {
    Channel ch =
        new ServerBootstrap()
            .group(group)
            .channel(NettyEventLoops.serverChannelType(group))
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    connections.add(ch);
                    tls.addTo(ch);
                    ch.pipeline()
                        .addLast(new IdleStateHandler(0, 0, 60, TimeUnit.SECONDS))
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpServerKeepAliveHandler())
                        .addLast(new BoundedAggregator())
                        .addLast(new HttpRouter(endpoints, allowedOrigin));
                  }
                })
            .bind(address)
            .sync()
            .channel();
    serverChannel = ch;
    return (InetSocketAddress) ch.localAddress();
  }

  /** Aggregates bodies up to MAX_BODY_BYTES; a bigger one gets 413 with a one-line reason. */
  private static final class BoundedAggregator extends HttpObjectAggregator {
    BoundedAggregator() {
      super(MAX_BODY_BYTES);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      byte[] body =
          ("request body too large: at most " + MAX_BODY_BYTES + " bytes\n")
              .getBytes(StandardCharsets.UTF_8);
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
              Unpooled.wrappedBuffer(body));
      r.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, HttpAnswer.TEXT)
          .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
          .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** The bound address, or null before {@link #bind}. */
  public InetSocketAddress localAddress() {
    Channel ch = serverChannel;
    return ch == null ? null : (InetSocketAddress) ch.localAddress();
  }

  @Override
  public void close() {
    Channel ch = serverChannel;
    if (ch != null) ch.close().syncUninterruptibly();
    connections.close().syncUninterruptibly();
  }
}
