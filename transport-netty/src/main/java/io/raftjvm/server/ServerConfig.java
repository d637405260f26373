package io.raftjvm.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.raftjvm.client.HostPort;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A node's settings, read from a HOCON file over the defaults in {@code reference.conf} and
 * validated: any problem is a {@link ConfigException} naming the key. Who the node is and who its
 * peers are sit at the top ({@code raft.cluster-id}, {@code raft.node-id}, {@code raft.data-dir},
 * {@code raft.peers}, {@code raft.join}); every other concern is a record of its own, parsed from
 * its section.
 */
public record ServerConfig(
    String clusterId,
    long nodeId,
    Path dataDir,
    Map<Long, ClusterMember> members,
    boolean join,
    boolean autoJoin,
    PluginConfig plugin,
    ElectionConfig election,
    ReplicationConfig replication,
    LogConfig log,
    TransportConfig transport,
    ClientPortConfig client,
    SnapshotConfig snapshot,
    HttpConfig http,
    TlsConfig tls,
    boolean exitOnFailure) {

  /**
   * Loads file over the defaults, under any {@code -Draft.*} system properties. Relative paths in
   * it (data-dir, plugins-dir, TLS files) resolve against {@link #home()}; includes resolve against
   * the including file's directory.
   */
  public static ServerConfig load(File file) {
    return load(file, home());
  }

  /**
   * The directory relative paths in a config resolve against: {@code RAFT_HOME} from the
   * environment (bin/ sets it to the installation, the directory above bin/, unless it is set
   * already), else the working directory.
   */
  public static Path home() {
    String h = System.getenv("RAFT_HOME");
    return Path.of(h == null || h.isBlank() ? "" : h).toAbsolutePath().normalize();
  }

  /** As {@link #load(File)}, with relative paths resolved against base. */
  public static ServerConfig load(File file, Path base) {
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
    return from(c, base);
  }

  /**
   * Validates an already-resolved config (tests build them from strings); relative paths stay
   * relative (to the working directory).
   */
  public static ServerConfig from(Config c) {
    return from(c, null);
  }

  private static ServerConfig from(Config c, Path base) {
    try {
      ConfigKeys.check(c, ConfigFactory.defaultReference());
      return parse(c, base);
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException("bad config: " + oneLine(e.getMessage()));
    }
  }

  private static ServerConfig parse(Config c, Path base) {
    ConfigReader raft = new ConfigReader(c, "raft", base);
    String clusterId = raft.string("cluster-id");
    if (clusterId.isBlank()) throw raft.bad("cluster-id", "must not be empty");
    if (!raft.has("node-id")) throw raft.bad("node-id", "is required");
    long nodeId = raft.number("node-id");
    if (nodeId <= 0) throw raft.bad("node-id", "must be positive, got " + nodeId);
    if (!raft.has("data-dir")) throw raft.bad("data-dir", "is required");
    Path dataDir = raft.path("data-dir");
    Map<Long, ClusterMember> members = members(raft);
    if (!members.containsKey(nodeId))
      throw raft.bad("node-id", nodeId + " is not one of the ids in peers " + members.keySet());
    members.put(nodeId, listening(raft, members.get(nodeId)));

    ElectionConfig election = ElectionConfig.parse(raft);
    ReplicationConfig replication =
        ReplicationConfig.parse(new ConfigReader(c, "raft.replication"));
    LogConfig log = LogConfig.parse(new ConfigReader(c, "raft.log"));
    TransportConfig transport = TransportConfig.parse(new ConfigReader(c, "raft.transport"));
    ClientPortConfig client = ClientPortConfig.parse(new ConfigReader(c, "raft.client"));
    SnapshotConfig snapshot = SnapshotConfig.parse(new ConfigReader(c, "raft.snapshot"));
    HttpConfig http = HttpConfig.parse(new ConfigReader(c, "raft.http"), members.get(nodeId));
    // What one section promises another.
    int maxFrame = transport.maxFrameBytes();
    if (replication.maxAppendBytes() + 4096 > maxFrame) {
      throw raft.bad(
          "replication.max-append-bytes",
          "must leave room in transport.max-frame-size (" + maxFrame + ")");
    }
    if (replication.maxInflightBytes() > transport.writeBufferHighWater()) {
      throw raft.bad(
          "replication.max-inflight-bytes",
          "must not exceed transport.write-buffer-high-water ("
              + transport.writeBufferHighWater()
              + ")");
    }
    if (snapshot.chunkBytes() + 4096L > maxFrame) {
      throw raft.bad(
          "snapshot.chunk-size", "must leave room in transport.max-frame-size (" + maxFrame + ")");
    }
    return new ServerConfig(
        clusterId,
        nodeId,
        dataDir,
        members,
        raft.bool("join"),
        raft.bool("auto-join"),
        PluginConfig.parse(raft),
        election,
        replication,
        log,
        transport,
        client,
        snapshot,
        http,
        TlsConfig.parse(new ConfigReader(c, "raft.tls", base), clusterId, nodeId),
        exitOnFailure(raft));
  }

  /** {@code raft.on-failure}: stay-up (report the failure, serve nothing) or exit. */
  private static boolean exitOnFailure(ConfigReader raft) {
    String v = raft.string("on-failure");
    return switch (v) {
      case "stay-up" -> false;
      case "exit" -> true;
      default -> throw raft.bad("on-failure", "must be stay-up or exit, got '" + v + "'");
    };
  }

  /**
   * {@code raft.peers}: every member of the cluster, this node included; ids and addresses unique.
   */
  private static Map<Long, ClusterMember> members(ConfigReader raft) {
    Map<Long, ClusterMember> members = new TreeMap<>();
    List<? extends Config> peers = raft.configList("peers");
    if (peers.isEmpty())
      throw raft.bad("peers", "must list every member of the cluster, this node included");
    Set<String> addresses = new HashSet<>();
    for (int i = 0; i < peers.size(); i++) {
      Config p = peers.get(i);
      String key = "peers[" + i + "]";
      if (!p.hasPath("id")) throw raft.bad(key + ".id", "is required");
      long id = p.getLong("id");
      if (id <= 0) throw raft.bad(key + ".id", "must be positive, got " + id);
      InetSocketAddress peer = raft.memberAddress(p, key, "peer-address");
      InetSocketAddress client = raft.memberAddress(p, key, "client-address");
      if (members.containsKey(id)) throw raft.bad(key + ".id", "duplicate node id " + id);
      if (!addresses.add(HostPort.format(peer)))
        throw raft.bad(
            key + ".peer-address", "address " + HostPort.format(peer) + " is used twice");
      if (!addresses.add(HostPort.format(client)))
        throw raft.bad(
            key + ".client-address", "address " + HostPort.format(client) + " is used twice");
      InetSocketAddress http =
          p.hasPath("http-address") ? raft.memberAddress(p, key, "http-address") : null;
      if (http != null && !addresses.add(HostPort.format(http)))
        throw raft.bad(
            key + ".http-address", "address " + HostPort.format(http) + " is used twice");
      members.put(id, new ClusterMember(id, peer, client, http));
    }
    return members;
  }

  /**
   * This server's own entry with its addresses resolved: it listens there, so they must resolve at
   * start (the other members' names are looked up on every connect).
   */
  private static ClusterMember listening(ConfigReader raft, ClusterMember self) {
    List<? extends Config> peers = raft.configList("peers");
    int i = 0;
    while (peers.get(i).getLong("id") != self.id()) i++;
    String key = "peers[" + i + "].";
    return new ClusterMember(
        self.id(),
        raft.listenAddress(self.peerAddress(), key + "peer-address"),
        raft.listenAddress(self.clientAddress(), key + "client-address"),
        self.httpAddress() == null
            ? null
            : raft.listenAddress(self.httpAddress(), key + "http-address"));
  }

  public ClusterMember self() {
    return members.get(nodeId);
  }

  private static String oneLine(String s) {
    return s.replace('\n', ' ');
  }
}
