package io.raftjvm.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes the HTTP port's requests: the endpoints of {@link HttpEndpoints} and the dashboard's
 * files. GET and HEAD only (OPTIONS answers a cross-origin preflight); anything malformed gets a
 * 4xx with a one-line body, an unknown path 404. Answers are computed off the I/O thread when they
 * need the node and written back on it.
 */
final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(HttpRouter.class);

  /** The dashboard's files, served from the jar (no CDN: it must work offline). */
  private static final Map<String, HttpAnswer> DASHBOARD =
      Map.of(
          "/", file("index.html", "text/html; charset=utf-8"),
          "/dashboard.js", file("dashboard.js", "text/javascript; charset=utf-8"),
          "/dashboard.css", file("dashboard.css", "text/css; charset=utf-8"));

  private final HttpEndpoints endpoints;
  private final String allowedOrigin;

  HttpRouter(HttpEndpoints endpoints, String allowedOrigin) {
    this.endpoints = endpoints;
    this.allowedOrigin = allowedOrigin;
  }

  private static HttpAnswer file(String name, String type) {
    try (InputStream in = HttpRouter.class.getResourceAsStream("dashboard/" + name)) {
      if (in == null)
        throw new IllegalStateException("dashboard file missing from the jar: " + name);
      return new HttpAnswer(200, type, in.readAllBytes(), false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    DecoderResult decoded = req.decoderResult();
    if (decoded.isFailure()) {
      Throwable cause = decoded.cause();
      int status =
          cause instanceof TooLongHttpLineException
              ? 414
              : cause instanceof TooLongHttpHeaderException ? 431 : 400;
      send(ctx, req, HttpAnswer.text(status, "bad request: " + oneLine(cause)), true);
      return;
    }
    if (req.protocolVersion().majorVersion() != 1) {
      send(
          ctx,
          req,
          HttpAnswer.text(505, "HTTP version " + req.protocolVersion() + " not supported: use 1.1"),
          true);
      return;
    }
    QueryStringDecoder uri = new QueryStringDecoder(req.uri());
    String path = uri.path();
    HttpMethod method = req.method();
    if (method.equals(HttpMethod.OPTIONS)) {
      preflight(ctx, req);
      return;
    }
    if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
      HttpAnswer a = HttpAnswer.text(405, "method " + method + " not allowed: use GET");
      send(ctx, req, a, false);
      return;
    }
    CompletableFuture<HttpAnswer> answer =
        switch (path) {
          case "/metrics" -> endpoints.metrics(req.headers().get(HttpHeaderNames.ACCEPT));
          case "/health/live" -> endpoints.live();
          case "/health/ready" -> endpoints.ready();
          case "/status" -> endpoints.status();
          default -> {
            HttpAnswer file = DASHBOARD.get(path);
            yield CompletableFuture.completedFuture(
                file != null
                    ? file
                    : HttpAnswer.text(
                        404,
                        "no such path: "
                            + path
                            + " (try /, /metrics, /status, /health/live, /health/ready)"));
          }
        };
    req.retain();
    answer.whenComplete(
        (a, t) -> {
          HttpAnswer out = a;
          if (t != null) {
            Throwable c =
                t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            LOG.warn("HTTP {} failed: {}", path, c.toString());
            out = HttpAnswer.text(500, "internal error: " + oneLine(c));
          } else if (a == null) {
            out =
                HttpAnswer.text(404, "metrics are off on this server (raft.http.metrics = false)");
          }
          HttpAnswer reply = out;
          if (ctx.executor().inEventLoop()) sendAndRelease(ctx, req, reply);
          else ctx.executor().execute(() -> sendAndRelease(ctx, req, reply));
        });
  }

  private void sendAndRelease(ChannelHandlerContext ctx, FullHttpRequest req, HttpAnswer a) {
    try {
      send(ctx, req, a, false);
    } finally {
      req.release();
    }
  }

  /** A cross-origin preflight: allowed for GET when an origin is configured. */
  private void preflight(ChannelHandlerContext ctx, FullHttpRequest req) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER);
    if (!allowedOrigin.isEmpty()) {
      r.headers()
          .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, allowedOrigin)
          .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, HEAD, OPTIONS")
          .set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
    }
    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
    write(ctx, req, r, false);
  }

  private void send(ChannelHandlerContext ctx, FullHttpRequest req, HttpAnswer a, boolean close) {
    boolean head = req.method().equals(HttpMethod.HEAD);
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(a.status()),
            head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(a.body()));
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, a.contentType())
        .set(HttpHeaderNames.CONTENT_LENGTH, a.body().length)
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
    if (a.cors() && !allowedOrigin.isEmpty())
      r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, allowedOrigin);
    write(ctx, req, r, close);
  }

  private static void write(
      ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse r, boolean close) {
    if (!ctx.channel().isActive()) {
      r.release();
      return;
    }
    if (close || !HttpUtil.isKeepAlive(req)) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.writeAndFlush(r);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) ctx.close();
    else super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug(
        "HTTP connection from {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }

  private static String oneLine(Throwable t) {
    String m = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    return m.replace('\n', ' ').replace('\r', ' ');
  }
}
