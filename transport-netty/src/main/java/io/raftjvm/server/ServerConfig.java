package io.raftjvm.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A node's settings, read from a HOCON file over the defaults in {@code reference.conf} and
 * validated: any problem is a {@link ConfigException} naming the key.
 */
public record ServerConfig(
    String clusterId,
    long nodeId,
    Path dataDir,
    Map<Long, Member> members,
    String stateMachine,
    Map<String, String> stateMachineConfig,
    Path pluginsDir,
    Duration tickInterval,
    int electionTicks,
    int heartbeatTicks,
    boolean preVote,
    boolean checkQuorum,
    long maxAppendBytes,
    int maxInflightAppends,
    long maxInflightBytes,
    long maxApplyBytes,
    long maxUncommittedBytes,
    boolean logSync,
    long segmentBytes,
    int maxFrameBytes,
    int writeBufferHighWater,
    int writeBufferLowWater,
    boolean nativeTransport,
    Duration requestTimeout,
    int maxPendingPerConnection,
    boolean join,
    long snapshotEntries,
    long snapshotBytes,
    long snapshotTrailingEntries,
    int snapshotChunkBytes,
    boolean readLease,
    int leaseDriftTicks,
    Duration sessionTimeout,
    int clientMaxFrameBytes,
    long clientMaxIncompleteFrameBytes,
    long maxIncompleteFrameBytes) {

  /** One server of the cluster. */
  public record Member(long id, InetSocketAddress peerAddress, InetSocketAddress clientAddress) {}

  private static final String P = "raft.";

  /**
   * Loads file over the defaults, under any {@code -Draft.*} system properties; relative paths in
   * it resolve against the working directory.
   */
  public static ServerConfig load(File file) {
    if (!file.isFile())
      throw new ConfigException("config file " + file + " does not exist or is not a file");
    Config c;
    try {
      // -Draft.x=y system properties override the file (e.g. JAVA_OPTS=-Draft.log.sync=false).
      c =
          ConfigFactory.systemProperties()
              .withFallback(
                  ConfigFactory.parseFile(
                      file.getAbsoluteFile(), ConfigParseOptions.defaults().setAllowMissing(false)))
              .withFallback(ConfigFactory.defaultReference())
              .resolve();
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException("bad config " + file + ": " + oneLine(e.getMessage()));
    }
    return from(c);
  }

  /** Validates an already-resolved config (tests build them from strings). */
  public static ServerConfig from(Config c) {
    try {
      return parse(c);
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException("bad config: " + oneLine(e.getMessage()));
    }
  }

  private static ServerConfig parse(Config c) {
    String clusterId = c.getString(P + "cluster-id");
    if (clusterId.isBlank()) throw bad("cluster-id", "must not be empty");
    if (!c.hasPath(P + "node-id")) throw bad("node-id", "is required");
    long nodeId = c.getLong(P + "node-id");
    if (nodeId <= 0) throw bad("node-id", "must be positive, got " + nodeId);
    if (!c.hasPath(P + "data-dir")) throw bad("data-dir", "is required");
    Path dataDir = Path.of(c.getString(P + "data-dir"));

    Map<Long, Member> members = new TreeMap<>();
    List<? extends Config> peers = c.getConfigList(P + "peers");
    if (peers.isEmpty())
      throw bad("peers", "must list every member of the cluster, this node included");
    Set<InetSocketAddress> addresses = new HashSet<>();
    for (int i = 0; i < peers.size(); i++) {
      Config p = peers.get(i);
      String key = "peers[" + i + "]";
      if (!p.hasPath("id")) throw bad(key + ".id", "is required");
      long id = p.getLong("id");
      if (id <= 0) throw bad(key + ".id", "must be positive, got " + id);
      InetSocketAddress peer = address(p, key, "peer-address");
      InetSocketAddress client = address(p, key, "client-address");
      if (members.containsKey(id)) throw bad(key + ".id", "duplicate node id " + id);
      if (!addresses.add(peer))
        throw bad(key + ".peer-address", "address " + show(peer) + " is used twice");
      if (!addresses.add(client))
        throw bad(key + ".client-address", "address " + show(client) + " is used twice");
      members.put(id, new Member(id, peer, client));
    }
    if (!members.containsKey(nodeId))
      throw bad("node-id", nodeId + " is not one of the ids in peers " + members.keySet());

    Duration tick = c.getDuration(P + "tick-interval");
    if (tick.toMillis() < 1) throw bad("tick-interval", "must be at least 1ms, got " + tick);
    int election = c.getInt(P + "election-ticks");
    int heartbeat = c.getInt(P + "heartbeat-ticks");
    if (heartbeat < 1) throw bad("heartbeat-ticks", "must be at least 1, got " + heartbeat);
    if (election <= heartbeat) {
      throw bad(
          "election-ticks",
          "must be greater than heartbeat-ticks (" + heartbeat + "), got " + election);
    }

    long maxAppend = positiveBytes(c, "replication.max-append-bytes");
    int maxInflight = c.getInt(P + "replication.max-inflight-appends");
    if (maxInflight < 1)
      throw bad("replication.max-inflight-appends", "must be at least 1, got " + maxInflight);
    long maxInflightBytes = positiveBytes(c, "replication.max-inflight-bytes");
    long maxApply = positiveBytes(c, "replication.max-apply-bytes");
    long maxUncommitted = positiveBytes(c, "replication.max-uncommitted-bytes");
    long segment = positiveBytes(c, "log.segment-size");
    if (segment < (1 << 20)) throw bad("log.segment-size", "must be at least 1MiB, got " + segment);
    int maxFrame = intBytes(c, "transport.max-frame-size");
    int high = intBytes(c, "transport.write-buffer-high-water");
    int low = intBytes(c, "transport.write-buffer-low-water");
    if (low > high)
      throw bad("transport.write-buffer-low-water", "must not exceed write-buffer-high-water");
    if (maxAppend + 4096 > maxFrame) {
      throw bad(
          "replication.max-append-bytes",
          "must leave room in transport.max-frame-size (" + maxFrame + ")");
    }
    if (maxInflightBytes > high) {
      throw bad(
          "replication.max-inflight-bytes",
          "must not exceed transport.write-buffer-high-water (" + high + ")");
    }
    Duration timeout = c.getDuration(P + "client.request-timeout");
    if (timeout.toMillis() < 1)
      throw bad("client.request-timeout", "must be positive, got " + timeout);
    int maxPending = c.getInt(P + "client.max-pending-per-connection");
    if (maxPending < 1)
      throw bad("client.max-pending-per-connection", "must be at least 1, got " + maxPending);
    int clientMaxFrame = intBytes(c, "client.max-frame-size");
    if (clientMaxFrame < 1024)
      throw bad("client.max-frame-size", "must be at least 1KiB, got " + clientMaxFrame);
    long clientIncomplete =
        atLeastOneFrame(
            c, "client.max-incomplete-frame-bytes", "client.max-frame-size", clientMaxFrame);
    long peerIncomplete =
        atLeastOneFrame(
            c, "transport.max-incomplete-frame-bytes", "transport.max-frame-size", maxFrame);

    String sm = c.getString(P + "state-machine");
    if (sm.isBlank()) throw bad("state-machine", "must name a state machine provider");
    Map<String, String> smConfig = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigValue> e : c.getConfig(P + "state-machine-config").entrySet()) {
      smConfig.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
    }
    return new ServerConfig(
        clusterId,
        nodeId,
        dataDir,
        members,
        sm,
        smConfig,
        Path.of(c.getString(P + "plugins-dir")),
        tick,
        election,
        heartbeat,
        c.getBoolean(P + "pre-vote"),
        c.getBoolean(P + "check-quorum"),
        maxAppend,
        maxInflight,
        maxInflightBytes,
        maxApply,
        maxUncommitted,
        c.getBoolean(P + "log.sync"),
        segment,
        maxFrame,
        high,
        low,
        c.getBoolean(P + "transport.native"),
        timeout,
        maxPending,
        c.getBoolean(P + "join"),
        nonNegative(c, "snapshot.entries"),
        c.getBytes(P + "snapshot.bytes"),
        nonNegative(c, "snapshot.trailing-entries"),
        snapshotChunk(c, maxFrame),
        readLease(c),
        leaseDrift(c, election),
        sessionTimeout(c),
        clientMaxFrame,
        clientIncomplete,
        peerIncomplete);
  }

  private static Duration sessionTimeout(Config c) {
    Duration d = c.getDuration(P + "client.session-timeout");
    if (d.toMillis() < 1) throw bad("client.session-timeout", "must be positive, got " + d);
    return d;
  }

  private static boolean readLease(Config c) {
    boolean lease = c.getBoolean(P + "read-lease");
    if (lease && !c.getBoolean(P + "check-quorum"))
      throw bad("read-lease", "needs check-quorum = true");
    return lease;
  }

  private static int leaseDrift(Config c, int election) {
    int v = c.getInt(P + "lease-drift-ticks");
    if (v < 0 || v >= election)
      throw bad("lease-drift-ticks", "must be in [0, election-ticks), got " + v);
    return v;
  }

  /** A budget for incomplete frames: one frame of the largest size must always fit. */
  private static long atLeastOneFrame(Config c, String key, String frameKey, int maxFrame) {
    long v = positiveBytes(c, key);
    if (v < maxFrame)
      throw bad(key, "must be at least " + frameKey + " (" + maxFrame + "), got " + v);
    return v;
  }

  private static long nonNegative(Config c, String key) {
    long v = c.getLong(P + key);
    if (v < 0) throw bad(key, "must not be negative, got " + v);
    return v;
  }

  private static int snapshotChunk(Config c, int maxFrame) {
    int v = intBytes(c, "snapshot.chunk-size");
    if (v < 1) throw bad("snapshot.chunk-size", "must be positive, got " + v);
    if (v + 4096L > maxFrame)
      throw bad(
          "snapshot.chunk-size", "must leave room in transport.max-frame-size (" + maxFrame + ")");
    return v;
  }

  public Member self() {
    return members.get(nodeId);
  }

  private static InetSocketAddress address(Config p, String key, String field) {
    if (!p.hasPath(field)) throw bad(key + "." + field, "is required (host:port)");
    String s = p.getString(field);
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1)
      throw bad(key + "." + field, "must be host:port, got '" + s + "'");
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw bad(key + "." + field, "port is not a number in '" + s + "'");
    }
    if (port < 1 || port > 65535) throw bad(key + "." + field, "port must be 1-65535, got " + port);
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    InetSocketAddress resolved = new InetSocketAddress(host, port);
    if (resolved.isUnresolved())
      throw bad(key + "." + field, "host '" + host + "' cannot be resolved");
    return resolved;
  }

  private static long positiveBytes(Config c, String key) {
    long v = c.getBytes(P + key);
    if (v <= 0) throw bad(key, "must be positive, got " + v);
    return v;
  }

  private static int intBytes(Config c, String key) {
    long v = positiveBytes(c, key);
    if (v > Integer.MAX_VALUE) throw bad(key, "must be below 2GiB, got " + v);
    return (int) v;
  }

  static String show(InetSocketAddress a) {
    return a.getHostString() + ":" + a.getPort();
  }

  private static ConfigException bad(String key, String problem) {
    return new ConfigException("bad config: raft." + key + " " + problem);
  }

  private static String oneLine(String s) {
    return s.replace('\n', ' ');
  }
}
