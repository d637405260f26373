package io.raftjvm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Configuration loading: defaults from reference.conf, and one-line errors naming the key. */
@DisplayName("ServerConfig")
class ServerConfigTest {
  private static final String PEERS =
      "raft.peers = ["
          + "{id = 1, peer-address = \"127.0.0.1:7101\", client-address = \"127.0.0.1:7201\"},"
          + "{id = 2, peer-address = \"127.0.0.1:7102\", client-address = \"127.0.0.1:7202\"},"
          + "{id = 3, peer-address = \"127.0.0.1:7103\", client-address = \"127.0.0.1:7203\"}]\n";
  private static final String VALID = "raft.node-id = 2\nraft.data-dir = \"data/n2\"\n" + PEERS;

  private static ServerConfig parse(String hocon) {
    Config c =
        ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference()).resolve();
    return ServerConfig.from(c);
  }

  @Test
  void validConfigGetsTheDefaults() {
    ServerConfig c = parse(VALID);
    assertEquals(2, c.nodeId());
    assertEquals(3, c.members().size());
    assertEquals(7202, c.self().clientAddress().getPort());
    assertEquals(Duration.ofMillis(100), c.election().tickInterval());
    assertEquals(10, c.election().electionTicks());
    assertTrue(c.log().sync());
    assertTrue(c.log().recycleSegments());
    assertEquals(1 << 20, c.replication().maxAppendBytes());
    assertEquals("counter", c.plugin().name());
    assertEquals(64 << 20, c.transport().maxFrameBytes());
    assertEquals(4 << 20, c.client().maxFrameBytes());
    assertEquals(64L << 20, c.client().maxIncompleteFrameBytes());
    assertEquals(256L << 20, c.transport().maxIncompleteFrameBytes());
    assertEquals(0, c.client().ioThreads(), "client connections on the node's loop");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "node id not a member       | raft.node-id = 9                        | raft.node-id 9 is not one of the ids in peers",
        "heartbeat not below election| raft.heartbeat-ticks = 10               | raft.election-ticks must be greater than heartbeat-ticks",
        "duplicate address          | raft.peers = [{id=1, peer-address=\"localhost:1\", client-address=\"localhost:2\"}, {id=2, peer-address=\"localhost:1\", client-address=\"localhost:3\"}]\\nraft.node-id = 1 | raft.peers[1].peer-address address localhost:1 is used twice",
        "duplicate id               | raft.peers = [{id=1, peer-address=\"localhost:1\", client-address=\"localhost:2\"}, {id=1, peer-address=\"localhost:3\", client-address=\"localhost:4\"}]\\nraft.node-id = 1 | raft.peers[1].id duplicate node id 1",
        "bad port                   | raft.peers = [{id=2, peer-address=\"localhost:99999\", client-address=\"localhost:2\"}] | raft.peers[0].peer-address expected host:port, but 'localhost:99999' has a port outside 1-65535",
        "missing port               | raft.peers = [{id=2, peer-address=\"localhost\", client-address=\"localhost:2\"}] | raft.peers[0].peer-address expected host:port, but 'localhost' has no port",
        "zero tick                  | raft.tick-interval = 0ms                | raft.tick-interval must be at least 1ms",
        "inflight above high water  | raft.replication.max-inflight-bytes = 64MiB | raft.replication.max-inflight-bytes must not exceed transport.write-buffer-high-water",
        "append above frame         | raft.replication.max-append-bytes = 64MiB | raft.replication.max-append-bytes must leave room in transport.max-frame-size",
        "wrong type                 | raft.election-ticks = lots              | election-ticks",
        "lease without check-quorum | raft.read-lease = true\\nraft.check-quorum = false | raft.read-lease needs check-quorum = true",
        "lease drift too large      | raft.lease-drift-ticks = 10             | raft.lease-drift-ticks must be in [0, election-ticks), got 10",
        "negative snapshot entries  | raft.snapshot.entries = -1              | raft.snapshot.entries must not be negative",
        "snapshot chunk above frame | raft.snapshot.chunk-size = 64MiB        | raft.snapshot.chunk-size must leave room in transport.max-frame-size",
        "client frame too small     | raft.client.max-frame-size = 100        | raft.client.max-frame-size must be at least 1KiB, got 100",
        "client frame over 2GiB     | raft.client.max-frame-size = 3GiB       | raft.client.max-frame-size must be below 2GiB",
        "client frame not a size    | raft.client.max-frame-size = large      | client.max-frame-size",
        "client budget below frame  | raft.client.max-incomplete-frame-bytes = 1MiB | raft.client.max-incomplete-frame-bytes must be at least client.max-frame-size (4194304), got 1048576",
        "client budget not positive | raft.client.max-incomplete-frame-bytes = 0 | raft.client.max-incomplete-frame-bytes must be positive",
        "client io threads negative | raft.client.io-threads = -1             | raft.client.io-threads must be at least 0, got -1",
        "client io threads too many | raft.client.io-threads = 65             | raft.client.io-threads must be at most 64, got 65",
        "client io threads not int  | raft.client.io-threads = two            | client.io-threads",
        "peer budget below frame    | raft.transport.max-incomplete-frame-bytes = 32MiB | raft.transport.max-incomplete-frame-bytes must be at least transport.max-frame-size (67108864), got 33554432",
      })
  void badValuesAreRefusedWithTheKey(String name, String override, String expected) {
    String hocon = VALID + override.replace("\\n", "\n") + "\n";
    ConfigException e = assertThrows(ConfigException.class, () -> parse(hocon));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
  }

  /**
   * A peer's host name is looked up on every connect, so one that does not resolve yet (a pod not
   * scheduled) is accepted; this server's own addresses must resolve: it listens there.
   */
  @Test
  void peerNamesNeedNotResolveAtStartButOwnAddressesMust() {
    String peers =
        "raft.peers = ["
            + "{id = 1, peer-address = \"127.0.0.1:7101\", client-address = \"127.0.0.1:7201\"},"
            + "{id = 2, peer-address = \"n2.invalid:7102\", client-address = \"n2.invalid:7202\"}]\n";
    ServerConfig c = parse("raft.node-id = 1\nraft.data-dir = \"d\"\n" + peers);
    assertTrue(c.members().get(2L).peerAddress().isUnresolved());
    assertEquals("n2.invalid", c.members().get(2L).peerAddress().getHostString());
    assertFalse(c.self().peerAddress().isUnresolved());

    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> parse("raft.node-id = 2\nraft.data-dir = \"d\"\n" + peers));
    assertEquals(
        "bad config: raft.peers[1].peer-address host 'n2.invalid' cannot be resolved (this server"
            + " listens there)",
        e.getMessage());
  }

  @Test
  void missingNodeIdIsNamed() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> parse("raft.data-dir = x\n" + PEERS));
    assertEquals("bad config: raft.node-id is required", e.getMessage());
  }

  @Test
  void missingFileIsNamed() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> ServerConfig.load(new File("no/such.conf")));
    assertEquals("config file no/such.conf does not exist or is not a file", e.getMessage());
  }

  /**
   * An include resolves next to the including file, also when that file is named without a
   * directory.
   */
  @Test
  void includesResolveNextToAConfigNamedWithoutADirectory() throws Exception {
    String stem = "servercfg-" + ProcessHandle.current().pid();
    java.nio.file.Path cluster = java.nio.file.Path.of(stem + "-cluster.conf");
    java.nio.file.Path node = java.nio.file.Path.of(stem + "-node.conf");
    try {
      java.nio.file.Files.writeString(cluster, PEERS);
      java.nio.file.Files.writeString(
          node, "include required(\"" + cluster + "\")\nraft.node-id = 2\nraft.data-dir = d\n");
      assertEquals(2, ServerConfig.load(new File(node.toString())).members().get(2L).id());
      java.nio.file.Files.delete(cluster);
      ConfigException e =
          assertThrows(ConfigException.class, () -> ServerConfig.load(new File(node.toString())));
      assertTrue(e.getMessage().startsWith("bad config " + node + ": "), e.getMessage());
      assertTrue(e.getMessage().contains(cluster.toString()), e.getMessage());
      assertEquals(1, e.getMessage().lines().count());
    } finally {
      java.nio.file.Files.deleteIfExists(cluster);
      java.nio.file.Files.deleteIfExists(node);
    }
  }

  @Test
  void theShippedNodeConfigsAreValid() {
    for (int i = 1; i <= 3; i++) {
      ServerConfig c = ServerConfig.load(new File("../conf/node" + i + ".conf"));
      assertEquals(i, c.nodeId());
      assertEquals("local", c.clusterId());
      assertEquals(false, c.join());
    }
    // Servers that join later: they name the founders and themselves, and join.
    for (int i = 4; i <= 6; i++) {
      ServerConfig c = ServerConfig.load(new File("../conf/node" + i + ".conf"));
      assertEquals(i, c.nodeId());
      assertEquals(true, c.join());
      assertEquals(java.util.Set.of(1L, 2L, 3L, (long) i), c.members().keySet());
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "misspelt key      | raft.elektion-ticks = 20       | bad config: unknown key raft.elektion-ticks (did you mean raft.election-ticks?)",
        "misspelt section  | raft.snapshots.entries = 5     | bad config: unknown key raft.snapshots.entries (did you mean raft.snapshot.entries?)",
        "nothing close     | raft.zzzzzzzzzzzzzzzzzzzzz = 1 | bad config: unknown key raft.zzzzzzzzzzzzzzzzzzzzz",
        "misspelt peer key | raft.peers = [{id = 2, peer-address = \"localhost:1\", client-address = \"localhost:2\", htp-address = \"localhost:3\"}] | bad config: unknown key raft.peers[0].htp-address (did you mean raft.peers[0].http-address?)",
      })
  void unknownKeysAreRefusedWithTheClosestKnownOne(String name, String override, String expected) {
    ConfigException e = assertThrows(ConfigException.class, () -> parse(VALID + override + "\n"));
    assertEquals(expected, e.getMessage());
  }

  @Test
  void theStateMachinesOwnSectionIsNotChecked() {
    ServerConfig c =
        parse(VALID + "raft.state-machine-config { anything-goes = 1, nested.key = x }\n");
    assertEquals("1", c.plugin().settings().get("anything-goes"));
  }

  /** Relative paths resolve against the base (RAFT_HOME), not the working directory. */
  @Test
  void relativePathsResolveAgainstTheBase(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path file = dir.resolve("conf/node.conf");
    java.nio.file.Files.createDirectories(file.getParent());
    java.nio.file.Files.writeString(file, VALID + "raft.plugins-dir = \"my/plugins\"\n");
    java.nio.file.Path home = dir.resolve("home");
    ServerConfig c = ServerConfig.load(file.toFile(), home);
    assertEquals(home.resolve("data/n2"), c.dataDir());
    assertEquals(home.resolve("my/plugins"), c.plugin().dir());
    java.nio.file.Files.writeString(
        file, VALID.replace("\"data/n2\"", "\"/abs/n2\"") + "raft.plugins-dir = \"/abs/p\"\n");
    c = ServerConfig.load(file.toFile(), home);
    assertEquals(java.nio.file.Path.of("/abs/n2"), c.dataDir(), "absolute paths stay");
    assertEquals(java.nio.file.Path.of("/abs/p"), c.plugin().dir());
  }
}
