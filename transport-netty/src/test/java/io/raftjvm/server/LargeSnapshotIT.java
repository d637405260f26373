package io.raftjvm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import io.raftjvm.client.proto.NodeStatus;
import io.raftjvm.client.proto.Query;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * InstallSnapshot of a large state with bounded memory (thesis ch. 5): three server processes, each
 * with its heap capped at 256 MB, run a state machine whose state is a file that grows 1 MiB per
 * command. A follower is stopped while the state grows past 256 MB and the others snapshot and
 * compact; restarted, it receives the whole snapshot in 1 MiB chunks and ends with the same state.
 * An out-of-memory error in any process would stop it and fail the test.
 */
@Tag("integration")
class LargeSnapshotIT {
  private static final Duration WAIT =
      Duration.ofSeconds(Integer.getInteger("raft.large.wait", 180));
  private static final int COMMANDS =
      Integer.getInteger("raft.large.commands", 272); // 272 MiB of state
  @TempDir Path tmp;
  private int[] ports;
  private final Map<Long, Process> processes = new TreeMap<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : processes.values()) p.destroy();
    for (Process p : processes.values()) p.waitFor(20, TimeUnit.SECONDS);
  }

  private String client(long id) {
    return "127.0.0.1:" + ports[3 + (int) id - 1];
  }

  private Process start(long id) throws IOException {
    Path conf = tmp.resolve("node" + id + ".conf");
    Files.writeString(
        conf,
        TestClusters.peers(ports)
            + "raft.cluster-id = large-it\nraft.node-id = "
            + id
            + "\nraft.data-dir = "
            + TestClusters.quoted(tmp.resolve("node" + id))
            + "\nraft.state-machine = it-file\nraft.tick-interval = 50ms\nraft.election-ticks = 20\n"
            + "raft.snapshot.entries = 0\nraft.snapshot.trailing-entries = 0\nraft.snapshot.chunk-size = 1MiB\n"
            + "raft.plugins-dir = "
            + TestClusters.quoted(tmp.resolve("no-plugins"))
            + "\n");
    Process p =
        TestClusters.serverProcess(
            conf, tmp.resolve("node" + id + ".out"), "-Xmx256m", "-XX:+ExitOnOutOfMemoryError");
    processes.put(id, p);
    return p;
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    TestClusters.await(what, WAIT, condition);
  }

  private long leader() {
    Map<Long, String> clients = new TreeMap<>();
    for (long id : processes.keySet()) clients.put(id, client(id));
    return TestClusters.leader(clients);
  }

  /** One replica's own state summary ("SIZE:CRC"), by a local query on its client port. */
  private String localSummary(long id) {
    String[] hp = client(id).split(":");
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 2_000);
      s.setSoTimeout(5_000);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      byte[] req =
          ClientRequest.newBuilder()
              .setRequestId(1)
              .setQuery(Query.newBuilder().setQuery(ByteString.EMPTY).setLocal(true))
              .build()
              .toByteArray();
      out.writeInt(req.length);
      out.write(req);
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      byte[] resp = new byte[in.readInt()];
      in.readFully(resp);
      return ClientResponse.parseFrom(resp)
          .getApplied()
          .getResult()
          .toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "unreachable: " + e.getMessage();
    }
  }

  @Test
  void aFollowerReceivesASnapshotLargerThanItsHeap() throws Exception {
    ports = TestClusters.freePorts(6);
    for (long id = 1; id <= 3; id++) start(id);
    await("a leader", () -> leader() != 0);
    long leader = leader();
    long lagging = leader % 3 + 1;
    Process gone = processes.remove(lagging);
    gone.destroy();
    assertTrue(gone.waitFor(30, TimeUnit.SECONDS));

    List<String> all = new ArrayList<>();
    for (long id = 1; id <= 3; id++) all.add(client(id));
    try (RaftClient c =
        RaftClient.create(
            RaftClientOptions.builder(all).requestTimeout(Duration.ofSeconds(60)).build())) {
      List<CompletableFuture<byte[]>> fs = new ArrayList<>();
      for (int i = 0; i < COMMANDS; i++) {
        fs.add(c.propose(ByteBuffer.allocate(8).putLong(1_000 + i).array()));
        if (fs.size() >= 8) fs.remove(0).get(60, TimeUnit.SECONDS); // a few in flight
      }
      for (CompletableFuture<byte[]> f : fs) f.get(60, TimeUnit.SECONDS);
      for (long id : processes.keySet()) {
        try (RaftClient one =
            RaftClient.create(
                RaftClientOptions.builder(List.of(client(id)))
                    .requestTimeout(Duration.ofMinutes(2))
                    .build())) {
          one.snapshot().get(150, TimeUnit.SECONDS);
        }
      }
    }
    String expected = localSummary(leader);
    assertEquals((long) COMMANDS << 20, Long.parseLong(expected.split(":")[0]), expected);

    long started = System.nanoTime();
    start(lagging);
    try {
      await(
          "the restarted follower has the leader's state",
          () -> expected.equals(localSummary(lagging)));
    } catch (AssertionError e) {
      for (long id = 1; id <= 3; id++) {
        Path log = tmp.resolve("node" + id + ".out");
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        System.out.println("--- node " + id + " (last lines of " + log + ")");
        lines.subList(Math.max(0, lines.size() - 25), lines.size()).forEach(System.out::println);
      }
      throw e;
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    NodeStatus st = TestClusters.status(client(lagging));
    assertTrue(st.getLastIndex() >= COMMANDS, "it continues from the log after the snapshot");
    assertTrue(processes.get(lagging).isAlive(), "no out-of-memory exit");
    System.out.println(
        "LargeSnapshotIT: a "
            + COMMANDS
            + " MiB snapshot installed on a 256 MB heap in "
            + millis
            + " ms (restart included)");
  }
}
