package io.raftjvm.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.raftjvm.client.HostPort;
import io.raftjvm.core.ConfChanges;
import io.raftjvm.core.RaftNode;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Member;
import io.raftjvm.runtime.NodeDriver;
import io.raftjvm.runtime.StateMachineFailedException;
import io.raftjvm.server.http.HttpAnswer;
import io.raftjvm.server.http.HttpEndpoints;
import io.raftjvm.transport.NettyTransport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP port's answers for one server: metrics, health checks and status. Liveness reads only
 * what the node publishes (it must answer even when the node's loop is stuck); readiness and status
 * take a consistent picture on the loop, within a deadline.
 */
final class NodeEndpoints implements HttpEndpoints {
  /** How long readiness and status wait for the node's loop before answering without it. */
  static final long LOOP_DEADLINE_MS = 2000;

  private static final JsonFactory JSON = new JsonFactory();

  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

  private final RaftServer server;
  private final NodeDriver driver;
  private final HttpConfig http;
  private final NodeMetrics metrics; // null when off

  /** Where scrapes and the status JSON are built, off the I/O and node threads. */
  private final Executor worker;

  private final DiskUsage disk;

  NodeEndpoints(RaftServer server, NodeMetrics metrics, Executor worker) {
    this.server = server;
    this.driver = server.driver();
    this.http = server.config().http();
    this.metrics = metrics;
    this.worker = worker;
    this.disk = server.diskUsage();
  }

  @Override
  public CompletableFuture<HttpAnswer> metrics(String accept) {
    if (metrics == null) return CompletableFuture.completedFuture(null);
    return loopStatus()
        .thenApplyAsync(
            st -> {
              metrics.followers(st);
              metrics.peers(server.peerStates());
              String contentType =
                  accept != null && accept.contains("application/openmetrics-text")
                      ? OPENMETRICS
                      : PROMETHEUS_TEXT;
              ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
              try {
                metrics.registry().scrape(out, contentType);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              return new HttpAnswer(200, contentType, out.toByteArray(), true);
            },
            worker);
  }

  @Override
  public CompletableFuture<HttpAnswer> live() {
    String problem = liveProblem();
    return CompletableFuture.completedFuture(
        problem == null
            ? HttpAnswer.text(200, "live: node " + server.config().nodeId())
            : HttpAnswer.text(503, "not live: " + problem));
  }

  /** Why this server is not live, or null: a failure, a stuck disk, a stuck loop. */
  String liveProblem() {
    return HealthRules.liveProblem(
        driver.failure(),
        driver.failedAtMillis(),
        driver.writeWaitMillis(),
        driver.sinceLastTickMillis(),
        http.liveMaxWriteStall().toMillis());
  }

  @Override
  public CompletableFuture<HttpAnswer> ready() {
    String dead = liveProblem();
    if (dead != null)
      return CompletableFuture.completedFuture(HttpAnswer.text(503, "not ready: " + dead));
    return loopStatus()
        .thenApply(
            st -> {
              String problem = readyProblem(st);
              return problem == null
                  ? HttpAnswer.text(
                      200,
                      "ready: leader "
                          + st.lead()
                          + ", commit "
                          + st.commit()
                          + ", applied "
                          + st.applied())
                  : HttpAnswer.text(503, "not ready: " + problem);
            });
  }

  /** Why this server is not ready to serve, or null. st null: the loop did not answer. */
  String readyProblem(RaftNode.Status st) {
    return HealthRules.readyProblem(st, driver.removed(), http.readyMaxApplyLag());
  }

  @Override
  public CompletableFuture<HttpAnswer> status() {
    // Off the node's loop: the JSON, and the data directory's size now and then, take a while.
    return loopStatus().thenApplyAsync(st -> HttpAnswer.json(200, statusJson(st)), worker);
  }

  /** The node's status from its loop, or null if it is stopped or does not answer in time. */
  private CompletableFuture<RaftNode.Status> loopStatus() {
    if (driver.failure() != null) return CompletableFuture.completedFuture(null);
    return driver
        .status()
        .orTimeout(LOOP_DEADLINE_MS, TimeUnit.MILLISECONDS)
        .exceptionally(t -> null);
  }

  private String failedAt() {
    return Instant.ofEpochMilli(driver.failedAtMillis()).toString();
  }

  /** The status JSON; from what the node published when st is null (stopped, or stuck). */
  byte[] statusJson(RaftNode.Status st) {
    ServerConfig cfg = server.config();
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try (JsonGenerator j = JSON.createGenerator(out)) {
      j.writeStartObject();
      j.writeNumberField("id", cfg.nodeId());
      j.writeStringField("clusterId", cfg.clusterId());
      j.writeStringField("version", io.raftjvm.client.Version.get());
      j.writeStringField("stateMachine", cfg.plugin().name());
      j.writeStringField(
          "role", driver.failure() != null ? "FAILED" : String.valueOf(driver.role()));
      j.writeNumberField("term", st != null ? st.term() : driver.term());
      j.writeNumberField("leader", st != null ? st.lead() : driver.leader());
      j.writeNumberField("commit", st != null ? st.commit() : driver.commitIndex());
      j.writeNumberField("applied", st != null ? st.applied() : driver.appliedIndex());
      j.writeNumberField("lastIndex", st != null ? st.lastIndex() : driver.lastIndex());
      if (st != null) j.writeNumberField("firstIndex", st.firstIndex());
      j.writeNumberField("snapshotIndex", driver.snapshotIndex());
      ConfState conf = st != null ? st.conf() : driver.confState();
      boolean member = conf != null && ConfChanges.isMember(conf, cfg.nodeId());
      j.writeBooleanField("member", member);
      j.writeBooleanField("removed", driver.removed());
      writeHealth(j, st);
      writeFailure(j);
      writeConfiguration(j, conf);
      if (st != null && !st.progress().isEmpty()) writeFollowers(j, st);
      writePeers(j, server.peerStates());
      j.writeObjectFieldStart("storage");
      j.writeNumberField("logWriteWaitMillis", driver.writeWaitMillis());
      j.writeNumberField("logSyncs", driver.writer().syncs());
      j.writeNumberField("logEntriesWritten", driver.writer().entries());
      j.writeNumberField("dataDirBytes", (long) disk.usedBytes());
      j.writeNumberField("diskFreeBytes", (long) disk.freeBytes());
      j.writeEndObject();
      j.writeObjectFieldStart("clients");
      j.writeNumberField("connections", server.clientConnections());
      j.writeNumberField("sessionsOpen", driver.applier().openSessions());
      j.writeEndObject();
      if (metrics != null) {
        j.writeObjectFieldStart("commitLatency");
        j.writeNumberField("count", metrics.commitLatency().count());
        j.writeNumberField(
            "totalMillis", metrics.commitLatency().totalTime(TimeUnit.NANOSECONDS) / 1e6);
        j.writeEndObject();
      }
      j.writeNumberField("timeMillis", System.currentTimeMillis());
      j.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private void writeHealth(JsonGenerator j, RaftNode.Status st) throws IOException {
    String dead = liveProblem();
    String notReady = dead != null ? dead : readyProblem(st);
    j.writeObjectFieldStart("health");
    j.writeBooleanField("live", dead == null);
    if (dead != null) j.writeStringField("liveProblem", dead);
    j.writeBooleanField("ready", notReady == null);
    if (notReady != null) j.writeStringField("readyProblem", notReady);
    j.writeEndObject();
  }

  private void writeFailure(JsonGenerator j) throws IOException {
    Throwable f = driver.failure();
    if (f == null) return;
    j.writeObjectFieldStart("failure");
    j.writeStringField("error", f.getMessage() != null ? f.getMessage() : f.toString());
    j.writeStringField("at", failedAt());
    if (f instanceof StateMachineFailedException sm) {
      j.writeNumberField("firstEntry", sm.firstIndex());
      j.writeNumberField("lastEntry", sm.lastIndex());
    }
    j.writeEndObject();
  }

  private void writeConfiguration(JsonGenerator j, ConfState conf) throws IOException {
    j.writeObjectFieldStart("configuration");
    j.writeArrayFieldStart("voters");
    if (conf != null) for (long v : conf.getVotersList()) j.writeNumber(v);
    j.writeEndArray();
    j.writeArrayFieldStart("learners");
    if (conf != null) for (long v : conf.getLearnersList()) j.writeNumber(v);
    j.writeEndArray();
    j.writeArrayFieldStart("members");
    Map<Long, ClusterMember> configured = server.config().members();
    if (conf != null) {
      for (Member m : conf.getMembersList()) {
        j.writeStartObject();
        j.writeNumberField("id", m.getId());
        j.writeStringField("peerAddress", m.getPeerAddress());
        j.writeStringField("clientAddress", m.getClientAddress());
        String httpAddress = m.getHttpAddress();
        ClusterMember c = configured.get(m.getId());
        if (httpAddress.isEmpty() && c != null && c.httpAddress() != null)
          httpAddress = HostPort.format(c.httpAddress());
        if (m.getId() == server.config().nodeId()) {
          InetSocketAddress bound = server.httpAddress();
          if (bound != null) httpAddress = HostPort.format(bound);
        }
        if (!httpAddress.isEmpty()) j.writeStringField("httpAddress", httpAddress);
        j.writeBooleanField("voter", conf.getVotersList().contains(m.getId()));
        j.writeEndObject();
      }
    }
    j.writeEndArray();
    j.writeEndObject();
  }

  private static void writeFollowers(JsonGenerator j, RaftNode.Status st) throws IOException {
    j.writeArrayFieldStart("followers");
    for (Map.Entry<Long, RaftNode.MemberProgress> e : st.progress().entrySet()) {
      if (e.getKey() == st.id()) continue;
      RaftNode.MemberProgress p = e.getValue();
      j.writeStartObject();
      j.writeNumberField("id", e.getKey());
      j.writeNumberField("match", p.match());
      j.writeNumberField("next", p.next());
      j.writeStringField("state", p.state());
      j.writeNumberField("inflight", p.inflight());
      j.writeNumberField("inflightBytes", p.inflightBytes());
      j.writeNumberField("lag", Math.max(0, st.lastIndex() - p.match()));
      j.writeBooleanField("learner", p.learner());
      j.writeBooleanField("recentActive", p.recentActive());
      j.writeEndObject();
    }
    j.writeEndArray();
  }

  private static void writePeers(JsonGenerator j, Map<Long, NettyTransport.PeerState> peers)
      throws IOException {
    j.writeArrayFieldStart("peers");
    for (Map.Entry<Long, NettyTransport.PeerState> e : peers.entrySet()) {
      j.writeStartObject();
      j.writeNumberField("id", e.getKey());
      j.writeBooleanField("connected", e.getValue().connected());
      j.writeNumberField("connects", e.getValue().connects());
      j.writeEndObject();
    }
    j.writeEndArray();
  }
}
