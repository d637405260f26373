package io.raftjvm.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The HTTP port's routing and its answers to malformed requests, on an embedded channel: raw bytes
 * in, raw HTTP out, with endpoints that answer what the test says.
 */
@DisplayName("HTTP port: routes, status codes, content types and malformed requests")
class HttpRouterTest {
  private final List<String> asked = new ArrayList<>();
  private CompletableFuture<HttpAnswer> metricsAnswer =
      CompletableFuture.completedFuture(new HttpAnswer(200, "text/plain", bytes("m 1\n"), true));

  private final HttpEndpoints endpoints =
      new HttpEndpoints() {
        @Override
        public CompletableFuture<HttpAnswer> metrics(String accept) {
          asked.add("metrics accept=" + accept);
          return metricsAnswer;
        }

        @Override
        public CompletableFuture<HttpAnswer> live() {
          asked.add("live");
          return CompletableFuture.completedFuture(HttpAnswer.text(200, "live: node 1"));
        }

        @Override
        public CompletableFuture<HttpAnswer> ready() {
          asked.add("ready");
          return CompletableFuture.completedFuture(HttpAnswer.text(503, "not ready: no leader"));
        }

        @Override
        public CompletableFuture<HttpAnswer> status() {
          asked.add("status");
          return CompletableFuture.completedFuture(HttpAnswer.json(200, bytes("{\"id\":1}")));
        }
      };

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private EmbeddedChannel channel(String origin) {
    return new EmbeddedChannel(
        new HttpServerCodec(),
        new HttpObjectAggregator(HttpServer.MAX_BODY_BYTES),
        new HttpRouter(endpoints, origin));
  }

  /** Sends raw request bytes; returns everything written back, as text. */
  private static String exchange(EmbeddedChannel ch, String request) {
    ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
    ch.runPendingTasks();
    StringBuilder out = new StringBuilder();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      out.append(b.toString(StandardCharsets.UTF_8));
      b.release();
    }
    return out.toString();
  }

  private static String get(String path, String... headers) {
    StringBuilder sb = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: test\r\n");
    for (String h : headers) sb.append(h).append("\r\n");
    return sb.append("\r\n").toString();
  }

  private static String statusLine(String response) {
    return response.substring(0, response.indexOf("\r\n"));
  }

  private static String header(String response, String name) {
    for (String line : response.substring(0, response.indexOf("\r\n\r\n")).split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name))
        return line.substring(colon + 1).trim();
    }
    return null;
  }

  private static String body(String response) {
    return response.substring(response.indexOf("\r\n\r\n") + 4);
  }

  @ParameterizedTest(name = "GET {0} -> {1}")
  @CsvSource({
    "/status, 200, application/json, status",
    "/health/live, 200, text/plain; charset=utf-8, live",
    "/health/ready, 503, text/plain; charset=utf-8, ready",
    "/metrics, 200, text/plain, metrics accept=null",
    "/status?pretty=1, 200, application/json, status",
  })
  void eachEndpointAnswersWithItsStatusAndType(
      String path, int status, String type, String endpoint) {
    String r = exchange(channel("*"), get(path));
    assertEquals("HTTP/1.1 " + status, statusLine(r).substring(0, 12));
    assertEquals(type, header(r, "content-type"));
    assertEquals(Integer.toString(body(r).length()), header(r, "content-length"));
    assertEquals("*", header(r, "access-control-allow-origin"));
    assertEquals("no-store", header(r, "cache-control"));
    assertEquals(List.of(endpoint), asked);
  }

  @Test
  void openMetricsIsAskedForThroughTheAcceptHeader() {
    exchange(channel("*"), get("/metrics", "Accept: application/openmetrics-text; version=1.0.0"));
    assertEquals(List.of("metrics accept=application/openmetrics-text; version=1.0.0"), asked);
  }

  @Test
  void metricsOffIs404WithTheReason() {
    metricsAnswer = CompletableFuture.completedFuture(null);
    String r = exchange(channel("*"), get("/metrics"));
    assertEquals("HTTP/1.1 404 Not Found", statusLine(r));
    assertEquals("metrics are off on this server (raft.http.metrics = false)\n", body(r));
  }

  @Test
  void anEndpointThatFailsIs500WithOneLine() {
    metricsAnswer = CompletableFuture.failedFuture(new IllegalStateException("scrape\nbroke"));
    String r = exchange(channel("*"), get("/metrics"));
    assertEquals("HTTP/1.1 500 Internal Server Error", statusLine(r));
    assertEquals("internal error: scrape broke\n", body(r));
  }

  @Test
  void anAnswerCompletedLaterIsWrittenOnTheChannelsLoop() {
    CompletableFuture<HttpAnswer> later = new CompletableFuture<>();
    metricsAnswer = later;
    EmbeddedChannel ch = channel("*");
    assertEquals("", exchange(ch, get("/metrics")));
    later.complete(HttpAnswer.text(200, "late"));
    ch.runPendingTasks();
    ByteBuf b = ch.readOutbound();
    String r = b.toString(StandardCharsets.UTF_8);
    b.release();
    assertEquals("late\n", body(r));
  }

  @Test
  void theDashboardIsServedFromTheJar() {
    String page = exchange(channel("*"), get("/"));
    assertEquals("HTTP/1.1 200 OK", statusLine(page));
    assertEquals("text/html; charset=utf-8", header(page, "content-type"));
    assertTrue(body(page).contains("<script src=\"/dashboard.js\"></script>"), body(page));
    assertFalse(body(page).contains("http://") || body(page).contains("https://"), "no CDN");
    String js = exchange(channel("*"), get("/dashboard.js"));
    assertEquals("text/javascript; charset=utf-8", header(js, "content-type"));
    assertTrue(body(js).contains("/status"));
    assertNull(header(js, "access-control-allow-origin"), "only the JSON and health are shared");
    String css = exchange(channel("*"), get("/dashboard.css"));
    assertEquals("text/css; charset=utf-8", header(css, "content-type"));
  }

  @Test
  void anUnknownPathIs404NamingThePath() {
    String r = exchange(channel("*"), get("/metrics/../etc/passwd"));
    assertEquals("HTTP/1.1 404 Not Found", statusLine(r));
    assertEquals(
        "no such path: /metrics/../etc/passwd (try /, /metrics, /status, /health/live,"
            + " /health/ready)\n",
        body(r));
    assertEquals(List.of(), asked);
  }

  @Test
  void otherMethodsAre405() {
    String r =
        exchange(channel("*"), "POST /status HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}");
    assertEquals("HTTP/1.1 405 Method Not Allowed", statusLine(r));
    assertEquals("method POST not allowed: use GET\n", body(r));
    assertEquals(List.of(), asked);
  }

  @Test
  void headAnswersHeadersWithoutBody() {
    String r = exchange(channel("*"), "HEAD /status HTTP/1.1\r\nHost: t\r\n\r\n");
    assertEquals("HTTP/1.1 200 OK", statusLine(r));
    assertEquals("8", header(r, "content-length"));
    assertEquals("", body(r));
  }

  @Test
  void aPreflightIsAllowedForGetWhenAnOriginIsConfigured() {
    String r =
        exchange(
            channel("*"),
            get("/status", "Origin: http://other:7302", "Access-Control-Request-Method: GET")
                .replaceFirst("^GET", "OPTIONS"));
    assertEquals("HTTP/1.1 204 No Content", statusLine(r));
    assertEquals("*", header(r, "access-control-allow-origin"));
    assertEquals("GET, HEAD, OPTIONS", header(r, "access-control-allow-methods"));
    String none = exchange(channel(""), "OPTIONS /status HTTP/1.1\r\nHost: t\r\n\r\n");
    assertNull(header(none, "access-control-allow-origin"));
    assertNull(header(exchange(channel(""), get("/status")), "access-control-allow-origin"));
  }

  @Test
  void aGarbledRequestLineIs400AndTheConnectionCloses() {
    EmbeddedChannel ch = channel("*");
    String r = exchange(ch, "\u0016\u0003\u0001 not http\n\r\n\r\n");
    assertEquals("HTTP/1.1 400 Bad Request", statusLine(r));
    assertTrue(body(r).startsWith("bad request: "), body(r));
    assertEquals(1, body(r).split("\n").length, "one line");
    assertEquals("close", header(r, "connection"));
    assertFalse(ch.isActive());
  }

  @Test
  void aTooLongUriIs414() {
    String r = exchange(channel("*"), get("/" + "a".repeat(5000)));
    assertEquals("HTTP/1.1 414 Request-URI Too Long", statusLine(r));
  }

  @Test
  void tooLongHeadersAre431() {
    String r = exchange(channel("*"), get("/status", "X-Big: " + "a".repeat(9000)));
    assertEquals("HTTP/1.1 431 Request Header Fields Too Large", statusLine(r));
  }

  @Test
  void anotherHttpVersionIs505() {
    String r = exchange(channel("*"), "GET /status HTTP/2.0\r\nHost: t\r\n\r\n");
    assertEquals("HTTP/1.1 505 HTTP Version Not Supported", statusLine(r));
    assertEquals("HTTP version HTTP/2.0 not supported: use 1.1\n", body(r));
  }

  @Test
  void keepAliveServesSeveralRequestsOnOneConnection() {
    EmbeddedChannel ch = channel("*");
    assertEquals("HTTP/1.1 200 OK", statusLine(exchange(ch, get("/status"))));
    assertTrue(ch.isActive());
    assertEquals("HTTP/1.1 200 OK", statusLine(exchange(ch, get("/health/live"))));
    String last = exchange(ch, get("/status", "Connection: close"));
    assertEquals("close", header(last, "connection"));
    assertFalse(ch.isActive());
  }
}
