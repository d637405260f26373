package io.raftjvm.server;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.raftjvm.client.HostPort;
import io.raftjvm.core.ConfChanges;
import io.raftjvm.core.RaftConfig;
import io.raftjvm.core.RaftMetrics;
import io.raftjvm.core.RaftNode;
import io.raftjvm.log.chronicle.ChronicleLogStore;
import io.raftjvm.log.chronicle.StorageException;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Member;
import io.raftjvm.proto.SnapshotMetadata;
import io.raftjvm.runtime.FileSnapshotStore;
import io.raftjvm.runtime.NodeDriver;
import io.raftjvm.runtime.NodeRuntime;
import io.raftjvm.runtime.SnapshotPolicy;
import io.raftjvm.runtime.SnapshotStore;
import io.raftjvm.runtime.Transport;
import io.raftjvm.server.http.HttpServer;
import io.raftjvm.statemachine.StateMachine;
import io.raftjvm.statemachine.StateMachineContext;
import io.raftjvm.statemachine.StateMachineProvider;
import io.raftjvm.transport.ClientServer;
import io.raftjvm.transport.NettyEventLoops;
import io.raftjvm.transport.NettyTransport;
import io.raftjvm.transport.PeerServer;
import io.raftjvm.transport.SnapshotReceiver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Raft server process: the Chronicle log, the node on its own event loop, the peer transport,
 * the client port and the state machine, wired from a {@link ServerConfig}.
 *
 * <p>Threads: one event loop owns the node (ticks, steps, drains, outbound peer channels); a small
 * I/O group accepts peer and client connections and decodes their frames; the log writer and the
 * apply worker have a thread each.
 */
public final class RaftServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftServer.class);

  private final ServerConfig config;
  private final EventLoopGroup nodeGroup;
  private final EventLoopGroup ioGroup;
  private final ChronicleLogStore store;
  private final StateMachine stateMachine;
  private final NodeDriver driver;
  private final NettyTransport transport;
  private final FileSnapshotStore snapshots;

  /** Forces and checks received snapshots, off the node's loop. */
  private final ExecutorService snapshotFinisher;

  /** The transport as the node sees it: also lets new members connect in. */
  private final Transport membersTransport;

  private final PeerServer peerServer;
  private final ClientServer clientServer;

  /** Serves backups (raft-admin backup) from the snapshots, on a thread of its own. */
  private final BackupSource backups;

  /** Metrics, when the HTTP port serves them; null otherwise. */
  private final NodeMetrics metrics;

  /** The HTTP port and where its scrapes run; null when it has no address. */
  private final HttpServer httpServer;

  private final ExecutorService httpWorker;

  /** The data directory's size and its disk's free space, measured at most every few seconds. */
  private final DiskUsage disk;

  /** TLS contexts (rotated as the files change), or null for plaintext. */
  private final ServerTls tls;

  private final CountDownLatch closed = new CountDownLatch(1);

  /** Adding this server to the cluster (raft.auto-join), while it is not a voter; or null. */
  private volatile SelfJoin selfJoin;

  private volatile boolean closing;

  /** Why the node stopped on a failure; null otherwise. */
  private volatile String failureReason;

  private RaftServer(ServerConfig cfg) throws Exception {
    this.config = cfg;
    long id = cfg.nodeId();
    this.tls = cfg.tls().enabled() ? new ServerTls(cfg.tls(), cfg.clusterId(), id) : null;
    this.disk = new DiskUsage(cfg.dataDir());
    StateMachineProvider provider = StateMachines.find(cfg.plugin().name(), cfg.plugin().dir());
    Restore.refuseUnfinished(cfg.dataDir());
    Path smDir = Files.createDirectories(cfg.dataDir().resolve("state-machine"));
    this.store =
        ChronicleLogStore.open(
            cfg.dataDir().resolve("raft"), cfg.clusterId(), id, cfg.log().storeOptions());
    boolean started = false;
    try {
      if (isEmpty(store)) {
        if (cfg.join()) announceJoin(cfg);
        else bootstrap(store, cfg);
      }
      this.stateMachine =
          provider.create(
              new StateMachineContext(
                  id,
                  smDir,
                  cfg.plugin().settings(),
                  Slf4jLoggers.system("statemachine." + cfg.plugin().name())));
      this.snapshots = FileSnapshotStore.open(cfg.dataDir().resolve("snapshots"));
      checkLatestSnapshot();
      long commit = store.initialState().hardState().getCommit();
      boolean http = cfg.http().address() != null;
      this.metrics = http && cfg.http().metrics() ? new NodeMetrics(cfg.clusterId(), id) : null;
      RaftNode node =
          RaftNode.create(
              raftConfig(cfg, Math.min(stateMachine.lastApplied(), commit))
                  .metrics(metrics != null ? metrics : RaftMetrics.NONE)
                  .build(),
              store);
      boolean epoll = cfg.transport().nativeTransport();
      this.nodeGroup = NettyEventLoops.newGroup(1, "raft-" + id + "-loop", epoll);
      // Client connections live on the node's loop unless given threads of their own; this group
      // accepts connections and serves HTTP.
      int clientThreads = cfg.client().ioThreads();
      this.ioGroup =
          NettyEventLoops.newGroup(Math.max(1, clientThreads), "raft-" + id + "-io", epoll);
      EventLoop loop = nodeGroup.next();
      this.driver = newDriver(cfg, node, loop);
      this.snapshotFinisher = daemonExecutor("raft-" + id + "-snapshot-in");
      Map<Long, InetSocketAddress> peers = new TreeMap<>();
      cfg.members().forEach((pid, m) -> peers.put(pid, m.peerAddress()));
      peers.remove(id);
      this.transport =
          new NettyTransport(
              cfg.clusterId(),
              id,
              HostPort.format(cfg.self().peerAddress()),
              peers,
              loop,
              cfg.transport().maxFrameBytes(),
              cfg.transport().writeBufferHighWater(),
              driver::reportUnreachable);
      transport.snapshotChunkBytes(cfg.snapshot().chunkBytes());
      transport.onNotMember(driver::peerSaysNotMember);
      PeerAdmission admission = new PeerAdmission(id, peers.keySet(), driver::confState);
      this.membersTransport = new MembershipTrackingTransport(transport, admission);
      SnapshotReceiver receiver =
          new SnapshotReceiver(snapshots, m -> driver.deliver(List.of(m)), snapshotFinisher);
      // Inbound peer channels live on the node's loop too: a read burst is stepped where it is
      // decoded, with no hop between threads.
      this.peerServer =
          new PeerServer(
              bindable(cfg.self().peerAddress()),
              ioGroup,
              nodeGroup,
              cfg.clusterId(),
              id,
              admission::admits,
              new NodeMessageSink(driver, transport, receiver),
              cfg.transport().maxFrameBytes(),
              cfg.transport().maxIncompleteFrameBytes());
      NodeClientService clients =
          new NodeClientService(
              driver,
              stateMachine,
              cfg.members(),
              cfg.client().requestTimeout(),
              cfg.clusterId(),
              cfg.plugin().name(),
              metrics);
      this.backups =
          new BackupSource(
              driver,
              snapshots,
              daemonExecutor("raft-" + id + "-backup"),
              cfg.snapshot().chunkBytes(),
              cfg.clusterId(),
              cfg.plugin().name());
      clients.backups(backups);
      this.clientServer =
          new ClientServer(
              ioGroup,
              clientThreads == 0 ? nodeGroup : ioGroup,
              NettyEventLoops.serverChannelType(ioGroup),
              clients,
              cfg.client().maxFrameBytes(),
              cfg.client().maxIncompleteFrameBytes(),
              cfg.client().maxPendingPerConnection());
      this.httpWorker = http ? daemonExecutor("raft-" + id + "-http") : null;
      this.httpServer =
          http
              ? new HttpServer(
                  ioGroup, new NodeEndpoints(this, metrics, httpWorker), cfg.http().allowedOrigin())
              : null;
      if (tls != null) {
        transport.tls(tls.peerClient());
        peerServer.tls(tls.peerServer());
        clientServer.tls(tls.clientPort());
        if (httpServer != null) httpServer.tls(tls.http());
        if (cfg.tls().clientAuth() == io.netty.handler.ssl.ClientAuth.REQUIRE)
          clients.requireAdminCertificate();
      }
      started = true;
    } finally {
      if (!started) store.close();
    }
  }

  /** A log that has never held anything: no entry, no term, no configuration. */
  private static boolean isEmpty(ChronicleLogStore store) {
    return store.lastIndex() == 0
        && store.initialState().hardState().getTerm() == 0
        && store.initialState().confState().getVotersCount() == 0;
  }

  private static void announceJoin(ServerConfig cfg) {
    if (cfg.autoJoin()) return; // it adds itself, and says so
    ClusterMember self = cfg.self();
    LOG.info(
        "node {} starts empty to join cluster '{}': add it with raft-admin.sh add-learner {} {} {}",
        cfg.nodeId(),
        cfg.clusterId(),
        cfg.nodeId(),
        HostPort.format(self.peerAddress()),
        HostPort.format(self.clientAddress()));
  }

  /** The core's settings from the config; applied is where the state machine already is. */
  private static RaftConfig.Builder raftConfig(ServerConfig cfg, long applied) {
    ElectionConfig e = cfg.election();
    ReplicationConfig r = cfg.replication();
    return RaftConfig.builder(cfg.nodeId())
        .electionTicks(e.electionTicks())
        .heartbeatTicks(e.heartbeatTicks())
        .preVote(e.preVote())
        .checkQuorum(e.checkQuorum())
        .leaseReads(e.readLease())
        .leaseDriftTicks(e.leaseDriftTicks())
        .maxSizePerMsg(r.maxAppendBytes())
        .maxInflightMsgs(r.maxInflightAppends())
        .maxInflightBytes(r.maxInflightBytes())
        .maxApplyBytes(r.maxApplyBytes())
        .maxUncommittedBytes(r.maxUncommittedBytes())
        .applied(applied)
        .random(new SplittableRandom(new SecureRandom().nextLong()))
        .logger(Slf4jLoggers.raft("io.raftjvm.core.node" + cfg.nodeId()));
  }

  private NodeDriver newDriver(ServerConfig cfg, RaftNode node, EventLoop loop) {
    SnapshotConfig sc = cfg.snapshot();
    return new NodeDriver(
        cfg.nodeId(),
        node,
        store,
        stateMachine,
        snapshots,
        new SnapshotPolicy(
            sc.entries(),
            sc.bytes(),
            sc.trailingEntries(),
            cfg.client().sessionTimeout().toMillis()),
        NodeRuntime.threads(loop, loop::inEventLoop),
        cfg.election().tickInterval().toMillis(),
        Slf4jLoggers.raft("io.raftjvm.runtime.node" + cfg.nodeId()));
  }

  private static ExecutorService daemonExecutor(String name) {
    return Executors.newSingleThreadExecutor(
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * The node stopped on a failure (its log could not be written, its state machine threw). With
   * {@code raft.on-failure = stay-up} the server leaves the cluster's traffic (peer port and peer
   * connections closed: the others elect a leader without it) and keeps its client and HTTP ports
   * to report the failure: clients get UNAVAILABLE with the reason and retry elsewhere, status and
   * {@code /status} show it, {@code /health/live} fails. With {@code exit} it closes everything and
   * the process exits. Runs on a thread of its own (closing blocks).
   */
  private void failStop(String reason) {
    failureReason = reason;
    Thread t =
        new Thread(
            () -> {
              if (config.exitOnFailure()) {
                LOG.error(
                    "node {} stopped: {}; the server shuts down (restart it once the cause is"
                        + " fixed)",
                    config.nodeId(),
                    reason);
                close();
                return;
              }
              LOG.error(
                  "node {} stopped: {}; it has left the cluster's traffic and stays up only to"
                      + " report this (/status, raft-admin status); restart it once the cause is"
                      + " fixed",
                  config.nodeId(),
                  reason);
              transport.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
              peerServer.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            },
            "raft-" + config.nodeId() + "-fail-stop");
    t.setDaemon(false);
    t.start();
  }

  /** Why the node stopped on a failure, or null while it runs or after a clean close. */
  public String failure() {
    return failureReason;
  }

  /** Binds both ports, then starts the node and the outbound connections. */
  private void listen() throws Exception {
    ClusterMember self = config.self();
    String key = "raft.peers[id = " + config.nodeId() + "]";
    listenOn(() -> peerServer.start().sync(), self.peerAddress(), key + ".peer-address");
    listenOn(
        () -> clientServer.bind(bindable(self.clientAddress())),
        self.clientAddress(),
        key + ".client-address");
    if (httpServer != null) {
      listenOn(
          () -> httpServer.bind(bindable(config.http().address())),
          config.http().address(),
          config.http().address().equals(self.httpAddress())
              ? key + ".http-address"
              : "raft.http.address");
    }
    if (metrics != null) metrics.bindServer(this);
    if (tls != null) tls.watch(ioGroup.next());
    driver.onFailure(this::failStop);
    driver.start(membersTransport);
    transport.start();
    ConfState conf = driver.confState(); // null until the node loop has started
    if (config.join()
        && config.autoJoin()
        && (conf == null || !conf.getVotersList().contains(config.nodeId()))) {
      selfJoin = new SelfJoin(config, driver::confState);
      selfJoin.start();
    }
    LOG.info(
        "node {} of cluster '{}' (raft-server {}, peer protocol {}, client protocol {}) serving"
            + " peers on {}, clients on {}{} (data in {})",
        config.nodeId(),
        config.clusterId(),
        io.raftjvm.client.Version.get(),
        NettyTransport.PEER_PROTOCOL.current(),
        io.raftjvm.client.ProtocolVersion.CLIENT.current(),
        peerServer.localAddress(),
        clientServer.localAddress(),
        httpServer == null
            ? ""
            : " and HTTP on "
                + (tls != null ? "https://" : "http://")
                + HostPort.format(httpServer.localAddress())
                + "/",
        config.dataDir());
  }

  /**
   * Runs bind; an address that cannot be bound (taken, not local) is a ConfigException naming key.
   */
  private static void listenOn(Callable<?> bind, InetSocketAddress address, String key)
      throws Exception {
    try {
      bind.call();
    } catch (
        IOException e) { // NIO's BindException, or epoll's "bind(..) failed with error(-98): ..."
      String reason =
          String.valueOf(e.getMessage()).replaceFirst("^bind\\(\\.\\.\\) failed[^:]*: ", "");
      throw new ConfigException(
          "cannot listen on " + HostPort.format(address) + " (" + key + "): " + reason);
    }
  }

  /**
   * Founds a new cluster: the founding configuration (every configured peer a voter, with its
   * addresses) becomes entry 1 of the log, committed, as on every founding server; a server that
   * joins later receives it from the leader like any other entry.
   */
  private static void bootstrap(ChronicleLogStore store, ServerConfig cfg) {
    store.append(List.of(ConfChanges.initialEntry(foundingConfiguration(cfg))));
    store.setHardState(HardState.newBuilder().setTerm(1).setCommit(1).build());
    store.sync();
    store.releaseWriter(); // the log writer thread writes from now on
    LOG.info(
        "bootstrapped a new cluster '{}' with voters {}", cfg.clusterId(), cfg.members().keySet());
  }

  /** Every peer the config names a voter, with its addresses: a new cluster's configuration. */
  static ConfState foundingConfiguration(ServerConfig cfg) {
    ConfState.Builder conf = ConfState.newBuilder();
    cfg.members().forEach((mid, m) -> conf.addVoters(mid).addMembers(member(m)));
    return conf.build();
  }

  /** A member's addresses as the log records them. */
  static Member member(ClusterMember m) {
    return Member.newBuilder()
        .setId(m.id())
        .setPeerAddress(HostPort.format(m.peerAddress()))
        .setClientAddress(HostPort.format(m.clientAddress()))
        .setHttpAddress(m.httpAddress() == null ? "" : HostPort.format(m.httpAddress()))
        .build();
  }

  /**
   * The state machine starts from the latest snapshot the log store records (the log holds only
   * what follows it; the node restores it before applying anything). Refuses to start when that
   * snapshot is missing or corrupt: applying the log tail to an empty state would diverge.
   */
  private void checkLatestSnapshot() throws IOException {
    SnapshotMetadata meta = store.snapshot().getMetadata();
    if (meta.getIndex() == 0) return;
    SnapshotStore.Stored s = snapshots.get(meta.getIndex(), meta.getTerm());
    if (s == null) {
      throw new StorageException(
          "snapshot "
              + meta.getIndex()
              + "-"
              + meta.getTerm()
              + " is recorded in the log but"
              + " missing from "
              + snapshots.dir());
    }
    try {
      s.verify();
    } catch (SnapshotStore.CorruptSnapshotException e) {
      throw new StorageException("cannot restore the state machine: " + e.getMessage(), e);
    }
  }

  /**
   * Starts a server; throws ConfigException or StorageException (one-line messages) on bad input, a
   * taken listen address included (the server then releases what it had opened).
   */
  public static RaftServer start(ServerConfig config) throws Exception {
    RaftServer server = new RaftServer(config);
    try {
      server.listen();
    } catch (Exception | Error e) {
      server.close();
      throw e;
    }
    return server;
  }

  private static InetSocketAddress bindable(InetSocketAddress a) {
    return new InetSocketAddress(a.getHostString(), a.getPort());
  }

  public NodeDriver driver() {
    return driver;
  }

  public ServerConfig config() {
    return config;
  }

  public InetSocketAddress clientAddress() {
    return clientServer.localAddress();
  }

  /** Where the HTTP port listens, or null if there is none. */
  public InetSocketAddress httpAddress() {
    return httpServer == null ? null : httpServer.localAddress();
  }

  /** The data directory's size and free disk space, shared by the metrics and /status. */
  DiskUsage diskUsage() {
    return disk;
  }

  /** Client connections open now. */
  int clientConnections() {
    return clientServer.connectionCount();
  }

  /** Each outbound peer connection's state, by peer id. */
  Map<Long, NettyTransport.PeerState> peerStates() {
    return transport.peerStates();
  }

  /** The metrics, or null when they are off or there is no HTTP port. */
  public NodeMetrics metrics() {
    return metrics;
  }

  /** Bytes held now by incomplete request frames on the client port. */
  long clientIncompleteFrameBytes() {
    return clientServer.incompleteFrameBytes();
  }

  /** Bytes held now by incomplete frames on the peer port. */
  long peerIncompleteFrameBytes() {
    return peerServer.incompleteFrameBytes();
  }

  /**
   * Stops taking clients, stops the node (the log writer writes and syncs what it holds), closes
   * connections and the log. Blocks; call it from a thread that is not an event loop.
   */
  @Override
  public void close() {
    if (closing) {
      awaitClosed();
      return;
    }
    closing = true;
    try {
      if (selfJoin != null) selfJoin.close();
      if (tls != null) tls.close();
      if (httpServer != null) httpServer.close();
      clientServer.close();
      driver.close();
      transport.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
      peerServer.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
      nodeGroup
          .shutdownGracefully(0, 2, TimeUnit.SECONDS)
          .awaitUninterruptibly(5, TimeUnit.SECONDS);
      ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
      snapshotFinisher.shutdown();
      backups.close();
      if (httpWorker != null) httpWorker.shutdown();
      if (metrics != null) metrics.close();
      stateMachine.close();
      store.close();
      LOG.info("node {} stopped", config.nodeId());
    } catch (Exception e) {
      LOG.warn("node {} did not stop cleanly: {}", config.nodeId(), e.toString());
    } finally {
      closed.countDown();
    }
  }

  /** Waits until the server has closed (after a failure or a close elsewhere). */
  void awaitClosed() {
    try {
      closed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
