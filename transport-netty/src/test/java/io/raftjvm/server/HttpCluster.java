package io.raftjvm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.raftjvm.client.HostPort;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.core.Role;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A 3-node cluster in this JVM whose servers serve HTTP (each names the others' HTTP addresses in
 * its peers list), with an HTTP client for its endpoints. For the observability tests.
 */
final class HttpCluster implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final String extra;
  final Map<Long, ServerConfig> configs = new TreeMap<>();
  final Map<Long, RaftServer> servers = new TreeMap<>();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  HttpCluster(Path dir, String extra) throws IOException {
    this.dir = dir;
    this.extra = extra;
    int[] ports = TestClusters.freePorts(9);
    StringBuilder peers = new StringBuilder("raft.peers = [");
    for (int i = 1; i <= 3; i++) {
      peers
          .append("{id = ")
          .append(i)
          .append(", peer-address = \"127.0.0.1:")
          .append(ports[i - 1])
          .append("\", client-address = \"127.0.0.1:")
          .append(ports[2 + i])
          .append("\", http-address = \"127.0.0.1:")
          .append(ports[5 + i])
          .append("\"},");
    }
    peers.append("]\n");
    for (long id = 1; id <= 3; id++) {
      configs.put(
          id,
          TestClusters.config(
              TestClusters.node(peers.toString(), "http-it", id, dir, "it-list") + extra));
    }
  }

  HttpCluster start() throws Exception {
    for (long id : configs.keySet()) start(id);
    return this;
  }

  void start(long id) throws Exception {
    servers.put(id, RaftServer.start(configs.get(id)));
  }

  void stop(long id) {
    RaftServer s = servers.remove(id);
    if (s != null) s.close();
  }

  RaftServer server(long id) {
    return servers.get(id);
  }

  /** The id of a running server that leads, 0 if none. */
  long leader() {
    for (Map.Entry<Long, RaftServer> e : servers.entrySet()) {
      if (e.getValue().driver().role() == Role.LEADER && e.getValue().failure() == null)
        return e.getKey();
    }
    return 0;
  }

  long awaitLeader() throws InterruptedException {
    await("a leader", () -> leader() != 0);
    return leader();
  }

  String clientAddress(long id) {
    return HostPort.format(configs.get(id).self().clientAddress());
  }

  String httpAddress(long id) {
    return HostPort.format(configs.get(id).self().httpAddress());
  }

  RaftClient client() {
    List<String> all = new ArrayList<>();
    for (long id : configs.keySet()) all.add(clientAddress(id));
    return RaftClient.create(
        RaftClientOptions.builder(all).requestTimeout(Duration.ofSeconds(30)).build());
  }

  /** GET path on server id's HTTP port, with optional header pairs. */
  HttpResponse<String> get(long id, String path, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://" + httpAddress(id) + path))
            .timeout(Duration.ofSeconds(10));
    for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Server id's /status, parsed. */
  JsonNode status(long id) throws IOException, InterruptedException {
    HttpResponse<String> r = get(id, "/status");
    if (r.statusCode() != 200) throw new AssertionError("/status answered " + r.statusCode());
    return JSON.readTree(r.body());
  }

  /** The status code of GET path on server id, -1 if it does not answer. */
  int code(long id, String path) {
    try {
      return get(id, path).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Server id's /metrics, as a map from "name{labels}" (labels as the server wrote them). */
  Map<String, Double> metrics(long id) throws IOException, InterruptedException {
    HttpResponse<String> r = get(id, "/metrics");
    if (r.statusCode() != 200) throw new AssertionError("/metrics answered " + r.statusCode());
    return parseMetrics(r.body());
  }

  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*\\})? (\\S+)");

  static Map<String, Double> parseMetrics(String text) {
    Map<String, Double> out = new TreeMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || line.isBlank()) continue;
      Matcher m = SAMPLE.matcher(line);
      if (!m.find()) throw new AssertionError("not a sample line: " + line);
      String labels = m.group(2) == null ? "" : m.group(2);
      out.put(m.group(1) + labels, Double.parseDouble(m.group(3)));
    }
    return out;
  }

  /** The value of the sample of metric name whose labels include each of the given ones. */
  static double value(Map<String, Double> metrics, String name, String... labels) {
    Double found = null;
    for (Map.Entry<String, Double> e : metrics.entrySet()) {
      String key = e.getKey();
      if (!key.equals(name) && !key.startsWith(name + "{")) continue;
      boolean all = true;
      for (String l : labels) all &= key.contains(l);
      if (all) {
        if (found != null) throw new AssertionError("several samples of " + name + " match");
        found = e.getValue();
      }
    }
    if (found == null)
      throw new AssertionError("no sample of " + name + " with " + List.of(labels));
    return found;
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    TestClusters.await(what, WAIT, condition);
  }

  Path dir() {
    return dir;
  }

  String extra() {
    return extra;
  }

  @Override
  public void close() {
    for (RaftServer s : servers.values()) s.close();
    servers.clear();
  }
}
