package io.raftjvm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.core.Role;
import io.raftjvm.counter.CounterCommands;
import io.raftjvm.log.chronicle.StorageException;
import io.raftjvm.server.RaftServer;
import io.raftjvm.server.ServerConfig;
import io.raftjvm.server.TestClusters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup and restore on real servers (in this JVM, on loopback, Chronicle logs with sync on): a
 * 3-node counter cluster takes writes; raft-admin backup saves it (in 64-byte chunks, so that the
 * download takes many requests); a write after the backup must not be in it; a new 3-node cluster
 * (another cluster id, new ports, new data directories) is restored from the file with raft-admin
 * restore, one server at a time, starts, serves the backed-up value on every replica and accepts
 * new writes. Then what restore refuses, each with one line and nothing written: a non-empty data
 * directory, a truncated and a corrupted file, another state machine; and a server refuses to start
 * on a restore that did not finish. Waits on conditions, never fixed sleeps.
 */
@Tag("integration")
class BackupRestoreIT {
  private static final Duration WAIT = Duration.ofMinutes(2);
  private static final int ADDS = 200;

  @TempDir Path tmp;
  private final List<RaftServer> servers = new ArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(RaftServer::close);
  }

  /** The HOCON of node id: 50 ms ticks, snapshots sent in 64-byte chunks. */
  private String hocon(String peers, String cluster, long id, Path dir, String stateMachine) {
    return TestClusters.node(peers, cluster, id, dir, stateMachine)
        + "raft.election-ticks = 10\nraft.snapshot.chunk-size = 64B\n";
  }

  private List<RaftServer> start(List<ServerConfig> configs) throws Exception {
    List<RaftServer> started = new ArrayList<>();
    for (ServerConfig c : configs) {
      RaftServer s = RaftServer.start(c);
      servers.add(s);
      started.add(s);
    }
    TestClusters.await(
        "a leader", WAIT, () -> started.stream().anyMatch(s -> s.driver().role() == Role.LEADER));
    return started;
  }

  private static RaftClient client(String addresses) {
    return RaftClient.create(
        RaftClientOptions.builder(Arrays.asList(addresses.split(",")))
            .requestTimeout(Duration.ofSeconds(30))
            .build());
  }

  private static long value(RaftClient c) throws InterruptedException {
    return CounterCommands.decodeValue(c.querySync(CounterCommands.get()));
  }

  @Test
  void aBackupRestoresIntoANewClusterThatServesItAndTakesWrites() throws Exception {
    int[] old = TestClusters.freePorts(6);
    String oldPeers = TestClusters.peers(old);
    List<ServerConfig> oldConfigs = new ArrayList<>();
    for (long id = 1; id <= 3; id++)
      oldConfigs.add(
          TestClusters.config(hocon(oldPeers, "backup-it", id, tmp.resolve("old"), "counter")));
    start(oldConfigs);
    String oldCluster = TestClusters.clientAddresses(old);
    long expected = 0;
    // Ten clients, ten sessions in the session table: a snapshot of a few hundred bytes.
    List<RaftClient> writers = new ArrayList<>();
    try {
      for (int i = 0; i < 10; i++) writers.add(client(oldCluster));
      for (int i = 1; i <= ADDS; i++) {
        writers.get(i % writers.size()).proposeSync(CounterCommands.add(i));
        expected += i;
      }
    } finally {
      writers.forEach(RaftClient::close);
    }

    Path file = tmp.resolve("counter.rbk");
    AdminRun backup = AdminRun.of("--cluster", oldCluster, "backup", file.toString());
    assertEquals(0, backup.code(), backup.err());
    assertTrue(backup.out().startsWith("backup of cluster 'backup-it' at index "), backup.out());
    assertTrue(backup.out().strip().endsWith("saved to " + file), backup.out());
    java.util.regex.Matcher size =
        java.util.regex.Pattern.compile(", (\\d+) bytes, from node").matcher(backup.out());
    assertTrue(size.find(), backup.out());
    assertTrue(
        Long.parseLong(size.group(1)) > 4 * 64, "several chunks of 64 bytes: " + backup.out());
    AdminRun again = AdminRun.of("--cluster", oldCluster, "backup", file.toString());
    assertEquals(1, again.code());
    assertEquals(
        "raft-admin: backup: " + file + " exists; remove it or name another file\n", again.err());
    try (RaftClient c = client(oldCluster)) {
      c.proposeSync(CounterCommands.add(1_000_000)); // after the backup: not in it
    }

    int[] fresh = TestClusters.freePorts(6);
    String freshPeers = TestClusters.peers(fresh);
    List<Path> confs = new ArrayList<>();
    for (long id = 1; id <= 3; id++) {
      Path conf = tmp.resolve("new-node" + id + ".conf");
      Files.writeString(conf, hocon(freshPeers, "restored-it", id, tmp.resolve("new"), "counter"));
      confs.add(conf);
      AdminRun r = AdminRun.of("--config", conf.toString(), "restore", file.toString());
      assertEquals(0, r.code(), r.err());
      assertTrue(r.out().contains("into " + tmp.resolve("new").resolve("node" + id)), r.out());
      assertTrue(r.out().contains("with voters [1, 2, 3]"), r.out());
    }
    List<ServerConfig> freshConfigs = new ArrayList<>();
    for (Path conf : confs) freshConfigs.add(ServerConfig.load(conf.toFile()));
    start(freshConfigs);
    String freshCluster = TestClusters.clientAddresses(fresh);
    for (String replica : freshCluster.split(",")) {
      try (RaftClient c = client(replica)) {
        assertEquals(expected, value(c), "the restored value read through " + replica);
      }
    }
    try (RaftClient c = client(freshCluster)) {
      assertEquals(
          expected + 5, CounterCommands.decodeValue(c.proposeSync(CounterCommands.add(5))));
      assertEquals(expected + 5, value(c));
    }

    // What restore refuses: one line each, nothing written.
    Path node1 = tmp.resolve("new").resolve("node1");
    AdminRun nonEmpty =
        AdminRun.of("--config", confs.get(0).toString(), "restore", file.toString());
    assertEquals(1, nonEmpty.code());
    assertTrue(
        nonEmpty
            .err()
            .startsWith("raft-admin: restore failed: data directory " + node1 + " is not empty"),
        nonEmpty.err());
    assertTrue(
        nonEmpty.err().endsWith("a backup is restored only into an empty one\n"), nonEmpty.err());

    byte[] whole = Files.readAllBytes(file);
    Path truncated = tmp.resolve("truncated.rbk");
    Files.write(truncated, Arrays.copyOf(whole, whole.length - 10));
    Path corrupted = tmp.resolve("corrupted.rbk");
    byte[] flipped = whole.clone();
    flipped[whole.length - 3] ^= 0x10;
    Files.write(corrupted, flipped);
    Path spare = tmp.resolve("spare.conf");
    Files.writeString(spare, hocon(freshPeers, "restored-it", 1, tmp.resolve("spare"), "counter"));
    Path spareDir = tmp.resolve("spare").resolve("node1");
    AdminRun cut = AdminRun.of("--config", spare.toString(), "restore", truncated.toString());
    assertEquals(1, cut.code());
    assertTrue(
        cut.err()
            .startsWith("raft-admin: restore failed: " + truncated + " is truncated: it holds "),
        cut.err());
    AdminRun bad = AdminRun.of("--config", spare.toString(), "restore", corrupted.toString());
    assertEquals(1, bad.code());
    assertTrue(
        bad.err()
            .startsWith(
                "raft-admin: restore failed: "
                    + corrupted
                    + " is corrupt: its snapshot data has CRC32C "),
        bad.err());
    Path otherMachine = tmp.resolve("other.conf");
    Files.writeString(
        otherMachine, hocon(freshPeers, "restored-it", 1, tmp.resolve("spare"), "it-file"));
    AdminRun other = AdminRun.of("--config", otherMachine.toString(), "restore", file.toString());
    assertEquals(1, other.code());
    assertEquals(
        "raft-admin: restore failed: "
            + file
            + " is a backup of state machine 'counter'; this server runs 'it-file'"
            + " (raft.state-machine)\n",
        other.err());
    for (AdminRun r : List.of(nonEmpty, cut, bad, other)) {
      assertEquals("", r.out());
      assertEquals(1, r.err().lines().count(), r.err());
    }
    assertFalse(Files.exists(spareDir), "a refused restore writes nothing");

    // A restore that did not finish leaves its marker: the server will not start on it.
    Files.createDirectories(spareDir);
    Files.writeString(spareDir.resolve("restore.incomplete"), "restoring\n");
    StorageException e =
        assertThrows(
            StorageException.class, () -> RaftServer.start(ServerConfig.load(spare.toFile())));
    assertEquals(
        "data directory "
            + spareDir
            + " holds a restore that did not finish (restore.incomplete): empty it and run"
            + " raft-admin restore again",
        e.getMessage());
  }
}
