package io.raftjvm.faults.cluster;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.client.proto.NodeStatus;
import io.raftjvm.faults.host.Firewall;
import io.raftjvm.faults.host.Net;
import io.raftjvm.faults.net.LinkFaults;
import io.raftjvm.faults.net.LinkProxy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The servers of one schedule: a private network of hosts (one namespace each), founding servers on
 * the first hosts and spare hosts whose servers start empty to join, and a link proxy on every
 * directed peer link (host a's connections to host b's peer port are routed through proxy (a, b) in
 * the suite's JVM, so links can be slowed, stalled and reset). Clients reach the servers' client
 * ports directly over the bridge.
 *
 * <p>Not thread-safe: driven by the schedule's thread.
 */
public final class Cluster implements AutoCloseable {
  public static final int PEER_PORT = 7000;
  public static final int CLIENT_PORT = 7100;
  public static final int HTTP_PORT = 7200;
  private static final int PROXY_PORT_BASE = 20000;

  /**
   * What a link proxy holds per connection direction before it stops reading: a slow link's buffer.
   */
  private static final long MAX_HELD_BYTES = 8L << 20;

  private final Net net;
  private final Firewall firewall;

  /** The source tree or unpacked distribution whose bin/ and dist/ the servers run from. */
  private final Path distRoot;

  private final int founders;
  private final List<ServerNode> nodes = new ArrayList<>();
  private final EventLoopGroup proxyGroup;

  /** Link proxies by [from][to] host (1-based; null on the diagonal). */
  private final LinkProxy[][] proxies;

  /**
   * Kills the servers if the suite's JVM is interrupted (the network's own hook removes the rest).
   */
  private final Thread killOnExit = new Thread(this::killAll, "cluster-cleanup");

  private long nextId;

  /** What {@link #leader()} found last. */
  private ServerNode lastLeader;

  /** What {@link #voters()} found last; the founders at first. */
  private List<ServerNode> lastVoters;

  private Cluster(Net net, Path distRoot, int founders, SplittableRandom random) {
    this.net = net;
    this.firewall = new Firewall(net);
    this.distRoot = distRoot;
    this.founders = founders;
    this.proxyGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    int hosts = net.hosts();
    this.proxies = new LinkProxy[hosts + 1][hosts + 1];
    for (int a = 1; a <= hosts; a++) {
      for (int b = 1; b <= hosts; b++) {
        if (a == b) continue;
        InetSocketAddress listen =
            new InetSocketAddress(net.bridgeAddress(), PROXY_PORT_BASE + a * 100 + b);
        proxies[a][b] =
            LinkProxy.start(
                proxyGroup,
                listen,
                new InetSocketAddress(net.address(b), PEER_PORT),
                a + "->" + b,
                random.split(),
                MAX_HELD_BYTES);
        firewall.routeThrough(a, b, PEER_PORT, listen);
      }
    }
  }

  /**
   * Builds the network and starts the servers: founders on hosts 1..founders (ids 1..founders), the
   * other hosts' servers empty, waiting to be added.
   */
  public static Cluster start(
      Path dir, Path distRoot, int founders, int spares, String javaOpts, long seed)
      throws IOException {
    Net net = Net.create(founders + spares);
    Cluster c;
    try {
      c = new Cluster(net, distRoot, founders, new SplittableRandom(seed));
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
    for (int h = 1; h <= founders + spares; h++) {
      c.nodes.add(new ServerNode(net, h, h, distRoot, dir.resolve("host" + h), javaOpts));
    }
    Runtime.getRuntime().addShutdownHook(c.killOnExit);
    c.nextId = (long) founders + spares + 1;
    c.lastVoters = new ArrayList<>(c.nodes.subList(0, founders));
    for (ServerNode n : c.nodes) c.start(n);
    return c;
  }

  public List<ServerNode> nodes() {
    return nodes;
  }

  public ServerNode node(int host) {
    return nodes.get(host - 1);
  }

  public boolean founder(ServerNode n) {
    return n.host() <= founders && n.id() == n.host();
  }

  public Firewall firewall() {
    return firewall;
  }

  public LinkProxy proxy(int from, int to) {
    return proxies[from][to];
  }

  public Net net() {
    return net;
  }

  public String clientAddress(ServerNode n) {
    return net.address(n.host()).getHostAddress() + ":" + CLIENT_PORT;
  }

  public String peerAddress(ServerNode n) {
    return net.address(n.host()).getHostAddress() + ":" + PEER_PORT;
  }

  /** Where the server in slot n serves HTTP (metrics, health, status). */
  public String httpAddress(ServerNode n) {
    return net.address(n.host()).getHostAddress() + ":" + HTTP_PORT;
  }

  /** Every host's client address, spares included: clients find the leader among them. */
  public List<String> clientAddresses() {
    List<String> out = new ArrayList<>();
    for (ServerNode n : nodes) out.add(clientAddress(n));
    return out;
  }

  /** (Re)starts the server in slot n with its config. */
  public void start(ServerNode n) throws IOException {
    n.start(config(n));
  }

  /** Wipes slot n for a new server: it will start empty and join under a fresh id. */
  public void renew(ServerNode n) throws InterruptedException, IOException {
    n.stop();
    n.renew(nextId++);
    start(n);
  }

  /** What the server in slot n says of itself, or null if it does not answer within 2 s. */
  public NodeStatus status(ServerNode n) {
    try (RaftClient c =
        RaftClient.create(
            RaftClientOptions.builder(List.of(clientAddress(n)))
                .requestTimeout(Duration.ofSeconds(1))
                .build())) {
      return c.status().get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      return null;
    }
  }

  /** SIGKILL the server in slot n. */
  public void kill(ServerNode n) {
    try {
      n.kill();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Starts the server in slot n again, on its data, unless it runs and is live. A server whose node
   * failed (a full disk) stays up to report it (raft.on-failure = stay-up) and fails its liveness
   * probe: it is restarted, as an orchestrator would.
   */
  public void restart(ServerNode n) throws IOException {
    if (n.running() && failedLiveness(n)) kill(n);
    if (!n.running()) start(n);
  }

  /** Whether the server in slot n answers its liveness probe with 503 (no answer: not known). */
  public boolean failedLiveness(ServerNode n) {
    try {
      HttpResponse<Void> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://" + httpAddress(n) + "/health/live"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 503;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  public void pause(ServerNode n) {
    n.pause();
  }

  public void resume(ServerNode n) {
    n.resume();
  }

  /** Every link proxy back to normal forwarding. */
  public void healLinks() {
    for (LinkProxy[] row : proxies) {
      for (LinkProxy p : row) {
        if (p != null) p.setFaults(LinkFaults.NONE);
      }
    }
  }

  /**
   * The slots whose servers are voters by the leader's configuration; without a leader that
   * answers, the slots whose servers were voters the last time one did.
   */
  public List<ServerNode> voters() {
    ServerNode l = leader();
    NodeStatus st = l == null ? null : status(l);
    if (st != null) {
      lastVoters = new ArrayList<>();
      for (ServerNode n : nodes) {
        if (st.getConf().getVotersList().contains(n.id())) lastVoters.add(n);
      }
    }
    return lastVoters;
  }

  /** The leader found by the last {@link #leader()} call (may be stale), or null. */
  public ServerNode leaderCached() {
    return lastLeader;
  }

  /** The slot whose server says it leads at the highest term, or null. */
  public ServerNode leader() {
    ServerNode best = null;
    long bestTerm = -1;
    for (ServerNode n : nodes) {
      if (!n.running() || n.paused()) continue;
      NodeStatus st = status(n);
      if (st != null && st.getRole().equals("LEADER") && st.getTerm() > bestTerm) {
        best = n;
        bestTerm = st.getTerm();
      }
    }
    lastLeader = best;
    return best;
  }

  private String config(ServerNode n) {
    boolean founder = founder(n);
    TreeMap<Long, ServerNode> peers = new TreeMap<>();
    for (int h = 1; h <= founders; h++) peers.put((long) h, node(h));
    peers.put(n.id(), n);
    StringBuilder sb = new StringBuilder("raft {\n  cluster-id = \"fault-suite\"\n");
    sb.append("  node-id = ").append(n.id()).append('\n');
    sb.append("  data-dir = \"").append(n.dataDir()).append("\"\n");
    sb.append("  join = ").append(!founder).append('\n');
    sb.append("  peers = [\n");
    peers.forEach(
        (id, p) ->
            sb.append("    { id = ")
                .append(id)
                .append(", peer-address = \"")
                .append(peerAddress(p))
                .append("\", client-address = \"")
                .append(clientAddress(p))
                .append("\", http-address = \"")
                .append(httpAddress(p))
                .append("\" }\n"));
    sb.append("  ]\n  state-machine = \"counter\"\n");
    sb.append("  plugins-dir = \"").append(distRoot.resolve("dist/plugins")).append("\"\n");
    // Snapshots and compaction often, so that faults meet InstallSnapshot too.
    sb.append("  snapshot { entries = 20000, trailing-entries = 2000 }\n}\n");
    return sb.toString();
  }

  private void killAll() {
    for (ServerNode n : nodes) {
      try {
        n.kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops every server, closes the proxies and removes the network. */
  @Override
  public void close() {
    killAll();
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException e) {
      // already shutting down: the hook runs
    }
    for (LinkProxy[] row : proxies) {
      for (LinkProxy p : row) {
        if (p != null) p.close();
      }
    }
    proxyGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    net.close();
  }
}
