package io.raftjvm.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.raftjvm.client.proto.ClientError;
import io.raftjvm.client.proto.ClientResponse;
import io.raftjvm.core.RaftMetrics;
import io.raftjvm.core.RaftNode;
import io.raftjvm.core.Role;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The node's metrics in a Micrometer registry, exposed in the Prometheus format on {@code
 * /metrics}. Events arrive through {@link RaftMetrics} (counters and histograms: no allocation per
 * call); levels (indexes, role, sessions, connections, disk) are gauges read when scraped, from
 * what the node publishes; per-follower and per-peer rows are refreshed before each scrape. The
 * catalogue, with units, is in the README ("Metrics").
 */
public final class NodeMetrics implements RaftMetrics, AutoCloseable {
  /** Latency histograms span 10 µs (a sync on a fast disk) to 10 s. */
  private static final Duration MIN_LATENCY = Duration.ofNanos(10_000);

  private static final Duration MAX_LATENCY = Duration.ofSeconds(10);

  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gc;

  private final Counter preVotes;
  private final Counter elections;
  private final Counter electionsWon;
  private final Counter preVotesLost;
  private final Counter electionsLost;
  private final Counter checkQuorumStepDowns;
  private final Counter appendsSent;
  private final Counter entriesSent;
  private final Counter appendsReceived;
  private final Counter entriesReceived;
  private final Counter appendsRejected;
  private final Counter leaseReads;
  private final Counter readIndexReads;
  private final Counter readsFailed;
  private final Counter snapshotsSent;
  private final Counter snapshotsInstalled;
  private final Counter proposedEntries;
  private final Counter leaderChanges;
  private final Counter logWrittenEntries;
  private final Counter logWrittenBytes;
  private final DistributionSummary proposalBatch;
  private final DistributionSummary entriesPerSync;
  private final DistributionSummary snapshotBytes;
  private final Timer commitLatency;
  private final Timer applyLatency;
  private final Timer syncLatency;
  private final Timer readLatency;
  private final Timer snapshotTake;

  /** Client answers by outcome: index 0 ok, 1 not leader, then 2 + each error code's number. */
  private final Counter[] clientAnswers;

  private final MultiGauge followerMatch;
  private final MultiGauge followerLag;
  private final MultiGauge followerInflight;
  private final MultiGauge followerState;
  private final MultiGauge followerActive;
  private final MultiGauge peerConnected;
  private final MultiGauge peerConnects;

  public NodeMetrics(String clusterId, long nodeId) {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("cluster", clusterId, "node", Long.toString(nodeId));
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc = new JvmGcMetrics();
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);

    preVotes = counter("raft.pre.votes.started", "pre-vote rounds started here (thesis §9.6)");
    elections = counter("raft.elections.started", "elections started here (§5.2)");
    electionsWon = counter("raft.elections.won", "elections won here");
    preVotesLost = counter("raft.pre.votes.lost", "pre-vote rounds a majority refused");
    electionsLost = counter("raft.elections.lost", "elections a majority refused");
    checkQuorumStepDowns =
        counter("raft.check.quorum.step.downs", "leader step-downs for not hearing a majority");
    appendsSent = counter("raft.appends.sent", "AppendEntries messages sent (leader)");
    entriesSent = counter("raft.append.entries.sent", "entries sent in AppendEntries (leader)");
    appendsReceived = counter("raft.appends.received", "AppendEntries messages received");
    entriesReceived = counter("raft.append.entries.received", "entries received");
    appendsRejected =
        counter("raft.appends.rejected", "AppendEntries refused here (log mismatch, §5.3)");
    leaseReads =
        Counter.builder("raft.reads.confirmed")
            .tag("path", "lease")
            .description("linearizable reads the leader confirmed, by lease or heartbeat round")
            .register(registry);
    readIndexReads =
        Counter.builder("raft.reads.confirmed")
            .tag("path", "read_index")
            .description("linearizable reads the leader confirmed, by lease or heartbeat round")
            .register(registry);
    readsFailed = counter("raft.reads.failed", "linearizable reads asked here and not served");
    snapshotsSent = counter("raft.snapshots.sent", "snapshots sent to followers (leader)");
    snapshotsInstalled = counter("raft.snapshots.installed", "leader's snapshots installed here");
    proposedEntries = counter("raft.proposed.entries", "entries the leader appended");
    leaderChanges = counter("raft.leader.changes", "leader changes seen here");
    logWrittenEntries = counter("raft.log.written.entries", "entries written to the log");
    logWrittenBytes =
        Counter.builder("raft.log.written")
            .baseUnit("bytes")
            .description("bytes of entries written to the log")
            .register(registry);
    proposalBatch =
        DistributionSummary.builder("raft.proposal.batch.entries")
            .description("entries the leader appended together")
            .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096)
            .register(registry);
    entriesPerSync =
        DistributionSummary.builder("raft.log.sync.batch.entries")
            .description("entries written per log write (group commit)")
            .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096)
            .register(registry);
    snapshotBytes =
        DistributionSummary.builder("raft.snapshot.size")
            .baseUnit("bytes")
            .description("size of the snapshots taken here")
            .register(registry);
    commitLatency = latency("raft.commit.latency", "from the leader's append to its commit");
    applyLatency = latency("raft.apply.latency", "from learning an entry committed to applying it");
    syncLatency = latency("raft.log.sync.latency", "one log sync (fsync)");
    readLatency = latency("raft.read.latency", "a linearizable read, asked to served");
    snapshotTake = latency("raft.snapshot.take.latency", "taking and storing a snapshot");

    ClientError.Code[] codes = ClientError.Code.values();
    clientAnswers = new Counter[2 + codes.length];
    clientAnswers[0] = clientAnswer("ok");
    clientAnswers[1] = clientAnswer("not_leader");
    for (ClientError.Code c : codes) {
      if (c != ClientError.Code.UNRECOGNIZED)
        clientAnswers[2 + c.getNumber()] = clientAnswer(c.name().toLowerCase(Locale.ROOT));
    }

    followerMatch = multi("raft.follower.match.index", null, "a follower's match index (leader)");
    followerLag = multi("raft.follower.lag", "entries", "entries a follower trails the leader");
    followerInflight =
        multi("raft.follower.inflight.appends", null, "appends in flight to a follower");
    followerState =
        multi("raft.follower.state", null, "1 for the replication state a follower is in");
    followerActive =
        multi(
            "raft.follower.recent.active",
            null,
            "1 if the leader heard from the follower within the last election timeout");
    peerConnected = multi("raft.peer.connected", null, "1 while the connection to a peer is up");
    peerConnects =
        multi("raft.peer.connects", null, "successful connections made to a peer since start");
  }

  private Counter counter(String name, String description) {
    return Counter.builder(name).description(description).register(registry);
  }

  private Timer latency(String name, String description) {
    return Timer.builder(name)
        .description(description)
        .publishPercentileHistogram()
        .minimumExpectedValue(MIN_LATENCY)
        .maximumExpectedValue(MAX_LATENCY)
        .register(registry);
  }

  private Counter clientAnswer(String outcome) {
    return Counter.builder("raft.client.requests")
        .tag("outcome", outcome)
        .description("client requests answered, by outcome")
        .register(registry);
  }

  private MultiGauge multi(String name, String unit, String description) {
    MultiGauge.Builder b = MultiGauge.builder(name).description(description);
    if (unit != null) b.baseUnit(unit);
    return b.register(registry);
  }

  /** From the leader's append to its commit. */
  Timer commitLatency() {
    return commitLatency;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Gauges on what the server publishes: read at each scrape, never on the hot path. */
  void bindServer(RaftServer server) {
    var d = server.driver();
    for (Role r : Role.values()) {
      Gauge.builder("raft.role", d, x -> x.role() == r && x.failure() == null ? 1 : 0)
          .tag("role", r.name().toLowerCase(Locale.ROOT))
          .description("1 for the role this server has")
          .register(registry);
    }
    Gauge.builder("raft.failed", d, x -> x.failure() != null ? 1 : 0)
        .description("1 once the node stopped on a failure (see /status)")
        .register(registry);
    Gauge.builder("raft.term", d, x -> x.term()).description("current term").register(registry);
    Gauge.builder("raft.leader.id", d, x -> x.leader())
        .description("the leader's id as this server knows it, 0 if none")
        .register(registry);
    Gauge.builder("raft.commit.index", d, x -> x.commitIndex()).register(registry);
    Gauge.builder("raft.applied.index", d, x -> x.appliedIndex()).register(registry);
    Gauge.builder("raft.last.log.index", d, x -> x.lastIndex()).register(registry);
    Gauge.builder("raft.snapshot.index", d, x -> x.snapshotIndex()).register(registry);
    Gauge.builder("raft.log.write.wait", d, x -> x.writeWaitMillis() / 1000.0)
        .baseUnit("seconds")
        .description("how long the oldest log write not yet durable has waited")
        .register(registry);
    FunctionCounter.builder("raft.log.syncs", d.writer(), w -> w.syncs())
        .description("log syncs (fsync)")
        .register(registry);
    Gauge.builder("raft.sessions.open", d.applier(), a -> a.openSessions())
        .description("open client sessions (thesis §6.3)")
        .register(registry);
    FunctionCounter.builder("raft.sessions.expired", d.applier(), a -> a.expiredSessions())
        .description("sessions expired")
        .register(registry);
    FunctionCounter.builder(
            "raft.sessions.duplicates.answered", d.applier(), a -> a.duplicatesAnswered())
        .description("retried commands answered from the session table, not applied again")
        .register(registry);
    Gauge.builder("raft.client.connections", server, s -> s.clientConnections())
        .description("open client connections")
        .register(registry);
    DiskUsage disk = server.diskUsage(); // held by the server: gauges hold their objects weakly
    Gauge.builder("raft.data.dir.used", disk, DiskUsage::usedBytes)
        .baseUnit("bytes")
        .description("bytes in the data directory (log, snapshots, state machine)")
        .register(registry);
    Gauge.builder("raft.disk.free", disk, DiskUsage::freeBytes)
        .baseUnit("bytes")
        .description("bytes free for this server on the data directory's disk")
        .register(registry);
  }

  /** Refreshes the per-follower rows from a leader's status (no rows on a follower). */
  void followers(RaftNode.Status st) {
    List<MultiGauge.Row<?>> match = new ArrayList<>();
    List<MultiGauge.Row<?>> lag = new ArrayList<>();
    List<MultiGauge.Row<?>> inflight = new ArrayList<>();
    List<MultiGauge.Row<?>> state = new ArrayList<>();
    List<MultiGauge.Row<?>> active = new ArrayList<>();
    if (st != null) {
      for (Map.Entry<Long, RaftNode.MemberProgress> e : st.progress().entrySet()) {
        if (e.getKey() == st.id()) continue;
        RaftNode.MemberProgress p = e.getValue();
        Tags t = Tags.of("follower", Long.toString(e.getKey()));
        match.add(MultiGauge.Row.of(t, p.match()));
        lag.add(MultiGauge.Row.of(t, Math.max(0, st.lastIndex() - p.match())));
        inflight.add(MultiGauge.Row.of(t, p.inflight()));
        active.add(MultiGauge.Row.of(t, p.recentActive() ? 1 : 0));
        for (String s : List.of("PROBE", "REPLICATE", "SNAPSHOT")) {
          state.add(
              MultiGauge.Row.of(
                  t.and("state", s.toLowerCase(Locale.ROOT)), s.equals(p.state()) ? 1 : 0));
        }
      }
    }
    followerMatch.register(match, true);
    followerLag.register(lag, true);
    followerInflight.register(inflight, true);
    followerState.register(state, true);
    followerActive.register(active, true);
  }

  /** Refreshes the per-peer connection rows. */
  void peers(Map<Long, io.raftjvm.transport.NettyTransport.PeerState> peers) {
    List<MultiGauge.Row<?>> up = new ArrayList<>();
    List<MultiGauge.Row<?>> connects = new ArrayList<>();
    peers.forEach(
        (id, p) -> {
          Tags t = Tags.of("peer", Long.toString(id));
          up.add(MultiGauge.Row.of(t, p.connected() ? 1 : 0));
          connects.add(MultiGauge.Row.of(t, p.connects()));
        });
    peerConnected.register(up, true);
    peerConnects.register(connects, true);
  }

  /** A client request was answered with response. */
  void answered(ClientResponse response) {
    int i =
        switch (response.getBodyCase()) {
          case NOT_LEADER -> 1;
          case ERROR -> 2 + response.getError().getCodeValue();
          default -> 0;
        };
    if (i < clientAnswers.length && clientAnswers[i] != null) clientAnswers[i].increment();
  }

  // ------------------------------------------------------------------ RaftMetrics

  @Override
  public void campaignStarted(boolean preVote) {
    (preVote ? preVotes : elections).increment();
  }

  @Override
  public void electionWon() {
    electionsWon.increment();
  }

  @Override
  public void electionLost(boolean preVote) {
    (preVote ? preVotesLost : electionsLost).increment();
  }

  @Override
  public void checkQuorumStepDown() {
    checkQuorumStepDowns.increment();
  }

  @Override
  public void appendSent(int entries) {
    appendsSent.increment();
    if (entries > 0) entriesSent.increment(entries);
  }

  @Override
  public void appendReceived(int entries) {
    appendsReceived.increment();
    if (entries > 0) entriesReceived.increment(entries);
  }

  @Override
  public void appendRejected() {
    appendsRejected.increment();
  }

  @Override
  public void readIndex(boolean lease) {
    (lease ? leaseReads : readIndexReads).increment();
  }

  @Override
  public void snapshotSent() {
    snapshotsSent.increment();
  }

  @Override
  public void proposed(int entries) {
    proposedEntries.increment(entries);
    proposalBatch.record(entries);
  }

  @Override
  public void committed(long nanos) {
    commitLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void applied(long nanos) {
    applyLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void logWritten(int entries, long bytes, long syncNanos) {
    if (entries > 0) {
      logWrittenEntries.increment(entries);
      logWrittenBytes.increment((double) bytes);
      entriesPerSync.record(entries);
    }
    if (syncNanos > 0) syncLatency.record(syncNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void leaderChanged() {
    leaderChanges.increment();
  }

  @Override
  public void readAnswered(long nanos, boolean failed) {
    if (failed) readsFailed.increment();
    else readLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void snapshotTaken(long nanos, long bytes) {
    snapshotTake.record(nanos, TimeUnit.NANOSECONDS);
    snapshotBytes.record((double) bytes);
  }

  @Override
  public void snapshotInstalled() {
    snapshotsInstalled.increment();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
