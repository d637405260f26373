package io.raftjvm.faults.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.client.proto.NodeStatus;
import io.raftjvm.faults.host.Net;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Servers named by host names follow a server that moves to another address under its name, as a
 * rescheduled pod does. Three servers in network namespaces of their own are configured with the
 * names n1, n2 and n3, which each namespace's hosts file maps to the servers' addresses (the
 * benchmark runs in a fifth namespace and knows the servers by the same names). While the benchmark
 * runs, server 3 stops, n3 is mapped to a fourth host's address in every hosts file, and server 3
 * starts there on its data: the others look the name up again, reconnect to it, and it catches up;
 * the benchmark's verification passes, so nothing acknowledged was lost. Needs root and iptables,
 * as the fault suite does (it fails with the one line saying what is missing).
 */
class PeerMovesIT {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final int PEER_PORT = 7000;
  private static final int CLIENT_PORT = 7100;
  private static final int CLIENT_HOST = 5;

  @Test
  void serversReconnectToAPeerThatMovedUnderItsName(@TempDir Path dir) throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    assertTrue(
        Files.isExecutable(root.resolve("bin/raft-node.sh")), "no bin/raft-node.sh under " + root);
    try (Net net = Net.create(5)) {
      Map<String, InetAddress> names = new TreeMap<>();
      for (int i = 1; i <= 3; i++) names.put("n" + i, net.address(i));
      for (int h = 1; h <= 5; h++) net.hostsFile(h, names);
      ServerNode[] servers = new ServerNode[4];
      for (int i = 1; i <= 3; i++) {
        servers[i] = new ServerNode(net, i, i, root, dir, "-Xms64m -Xmx256m");
        servers[i].start(config(i, root, dir));
      }
      Process bench = null;
      try {
        await("a leader", () -> leaderHost(net, 1, 2, 3) != null);
        bench = startBench(net, root, dir);
        await("the benchmark's writes committing", () -> leaderCommit(net, 1, 2, 3) > 2_000);

        // Server 3's pod is rescheduled: it stops, its name moves, it starts on another host.
        servers[3].stop();
        // Committed while server 3 is away: it can only have it from the others, at n3's new
        // address.
        long[] target = new long[1];
        await("a leader among servers 1 and 2", () -> (target[0] = leaderCommit(net, 1, 2)) > 0);
        names.put("n3", net.address(4));
        for (int h = 1; h <= 5; h++) net.hostsFile(h, names);
        long moved = System.nanoTime();
        ServerNode movedServer = new ServerNode(net, 4, 3, root, dir, "-Xms64m -Xmx256m");
        movedServer.start(config(3, root, dir));
        servers[3] = movedServer;

        await(
            "server 3 caught up to index " + target[0] + " at its new address",
            () -> {
              NodeStatus s3 = status(net, 4);
              return s3 != null && s3.getApplied() >= target[0];
            });
        double rejoinedSeconds = (System.nanoTime() - moved) / 1e9;
        String newAddress = net.address(4).getHostAddress();
        for (int i = 1; i <= 2; i++) {
          Path out = dir.resolve("node-" + i + ".out");
          await(
              "server " + i + " reconnected to n3 at " + newAddress,
              () ->
                  read(out)
                      .contains(
                          "connected to peer 3 at n3:" + PEER_PORT + " (" + newAddress + ")"));
        }
        System.out.printf(
            "server 3 moved to %s: rejoined and caught up %.1f s after it was started there"
                + " (the JVM's DNS cache holds a name 30 s)%n",
            newAddress, rejoinedSeconds);

        assertTrue(bench.waitFor(WAIT.toSeconds() + 60, TimeUnit.SECONDS), "bench did not end");
        String summary = read(dir.resolve("bench.out"));
        System.out.println("bench: " + summary.strip());
        assertEquals(
            0,
            bench.exitValue(),
            "verification failed:\n" + summary + "\n" + read(dir.resolve("bench.err")));
      } finally {
        if (bench != null) bench.destroyForcibly();
        for (ServerNode s : servers) {
          if (s != null) s.kill();
        }
      }
    }
  }

  private static String config(int id, Path root, Path dir) {
    StringBuilder sb = new StringBuilder("raft {\n  cluster-id = \"moving\"\n");
    sb.append("  node-id = ").append(id).append('\n');
    sb.append("  data-dir = \"").append(dir.resolve("data-" + id)).append("\"\n");
    sb.append("  peers = [\n");
    for (int i = 1; i <= 3; i++) {
      sb.append("    { id = ")
          .append(i)
          .append(", peer-address = \"n")
          .append(i)
          .append(':')
          .append(PEER_PORT)
          .append("\", client-address = \"n")
          .append(i)
          .append(':')
          .append(CLIENT_PORT)
          .append("\" }\n");
    }
    sb.append("  ]\n  state-machine = \"counter\"\n");
    sb.append("  plugins-dir = \"").append(root.resolve("dist/plugins")).append("\"\n}\n");
    return sb.toString();
  }

  /** The benchmark in its own namespace, knowing the servers by name; runs past the move. */
  private static Process startBench(Net net, Path root, Path dir) throws IOException {
    List<String> cmd =
        net.inNamespace(
            CLIENT_HOST,
            List.of(
                root.resolve("bin/counter-bench.sh").toString(),
                "--cluster",
                "n1:" + CLIENT_PORT + ",n2:" + CLIENT_PORT + ",n3:" + CLIENT_PORT,
                "--concurrency",
                "32",
                "--warmup",
                "1s",
                "--duration",
                "70s",
                "--verify-timeout",
                "60s",
                "--json"));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectOutput(dir.resolve("bench.out").toFile())
            .redirectError(dir.resolve("bench.err").toFile());
    pb.environment().put("JAVA_OPTS", "-Xms64m -Xmx512m");
    return pb.start();
  }

  /** Which of hosts answers as leader at the highest term, or null. */
  private static Integer leaderHost(Net net, int... hosts) {
    Integer best = null;
    long bestTerm = -1;
    for (int h : hosts) {
      NodeStatus s = status(net, h);
      if (s != null && s.getRole().equals("LEADER") && s.getTerm() > bestTerm) {
        best = h;
        bestTerm = s.getTerm();
      }
    }
    return best;
  }

  /** The commit index of the leader among hosts, 0 if none answers. */
  private static long leaderCommit(Net net, int... hosts) {
    Integer h = leaderHost(net, hosts);
    NodeStatus s = h == null ? null : status(net, h);
    return s == null ? 0 : s.getCommit();
  }

  /** What the server on host h says of itself (asked at its address), or null. */
  private static NodeStatus status(Net net, int host) {
    String address = net.address(host).getHostAddress() + ":" + CLIENT_PORT;
    try (RaftClient c =
        RaftClient.create(
            RaftClientOptions.builder(List.of(address))
                .requestTimeout(Duration.ofSeconds(1))
                .build())) {
      return c.status().get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      return null;
    }
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline)
        throw new AssertionError("timed out after " + WAIT + " waiting for " + what);
      Thread.sleep(200); // polling a condition
    }
  }
}
