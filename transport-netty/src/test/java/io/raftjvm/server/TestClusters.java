package io.raftjvm.server;

import com.typesafe.config.ConfigFactory;
import io.raftjvm.log.chronicle.ChronicleJvmArgs;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Helpers for tests that run real servers on loopback (shared with other modules' tests). */
public final class TestClusters {
  private TestClusters() {}

  /** n distinct ports that were free a moment ago. */
  public static int[] freePorts(int n) throws IOException {
    int[] ports = new int[n];
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0);
        sockets.add(s);
        ports[i] = s.getLocalPort();
      }
    } finally {
      for (ServerSocket s : sockets) s.close();
    }
    return ports;
  }

  /**
   * The {@code raft.peers} list of an n-node cluster on 127.0.0.1 with fresh ports: node i has peer
   * port ports[i - 1] and client port ports[n + i - 1].
   */
  public static String peers(int[] ports) {
    int n = ports.length / 2;
    StringBuilder sb = new StringBuilder("raft.peers = [");
    for (int i = 1; i <= n; i++) {
      sb.append("{id = ")
          .append(i)
          .append(", peer-address = \"127.0.0.1:")
          .append(ports[i - 1])
          .append("\", client-address = \"127.0.0.1:")
          .append(ports[n + i - 1])
          .append("\"},");
    }
    return sb.append("]\n").toString();
  }

  /** peers (as {@link #peers} makes them) with one more member on 127.0.0.1. */
  public static String withMember(String peers, long id, int peerPort, int clientPort) {
    int end = peers.lastIndexOf(']');
    return peers.substring(0, end)
        + "{id = "
        + id
        + ", peer-address = \"127.0.0.1:"
        + peerPort
        + "\", client-address = \"127.0.0.1:"
        + clientPort
        + "\"},"
        + peers.substring(end);
  }

  /** The client addresses of {@link #peers}(ports), comma-separated (a tool's --cluster). */
  public static String clientAddresses(int[] ports) {
    int n = ports.length / 2;
    StringBuilder sb = new StringBuilder();
    for (int i = 1; i <= n; i++) {
      if (i > 1) sb.append(',');
      sb.append("127.0.0.1:").append(ports[n + i - 1]);
    }
    return sb.toString();
  }

  /**
   * The HOCON of node id of a test cluster: peers (see {@link #peers}), its cluster id, a data
   * directory dir/node{id}, the state machine, no plugins directory, 50 ms ticks.
   */
  public static String node(
      String peers, String clusterId, long id, Path dir, String stateMachine) {
    return peers
        + "raft.cluster-id = "
        + clusterId
        + "\nraft.node-id = "
        + id
        + "\nraft.data-dir = "
        + quoted(dir.resolve("node" + id))
        + "\nraft.state-machine = "
        + stateMachine
        + "\nraft.plugins-dir = "
        + quoted(dir.resolve("no-plugins"))
        + "\nraft.tick-interval = 50ms\n";
  }

  /** A validated config from HOCON text over the defaults. */
  public static ServerConfig config(String hocon) {
    return ServerConfig.from(
        ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference()).resolve());
  }

  /**
   * Polls condition every 10 ms until it holds; fails naming what was awaited after wait. For tests
   * on real sockets and threads, which wait on conditions, never on fixed sleeps.
   */
  public static void await(
      String what, java.time.Duration wait, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline)
        throw new AssertionError("timed out after " + wait + " waiting for " + what);
      Thread.sleep(10); // polling a condition
    }
  }

  /**
   * Starts {@code RaftServer --config conf} in a child JVM on this test's class path, with the
   * Chronicle flags this JVM got and extra JVM options; its output goes to {@code out}.
   */
  public static Process serverProcess(Path conf, Path out, String... jvmOptions)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(ChronicleJvmArgs.ofThisJvm());
    cmd.addAll(List.of(jvmOptions));
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            RaftNodeMain.class.getName(),
            "--config",
            conf.toString()));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
  }

  /** Sends a signal (STOP, CONT, KILL...) to a process with the system's kill command. */
  public static void signal(Process p, String signal) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start();
    if (kill.waitFor() != 0) throw new IOException("kill -" + signal + " " + p.pid() + " failed");
  }

  /**
   * What the server at clientAddress says of itself, or null when it does not answer within 5 s.
   */
  public static io.raftjvm.client.proto.NodeStatus status(String clientAddress) {
    try (io.raftjvm.client.RaftClient c =
        io.raftjvm.client.RaftClient.create(
            io.raftjvm.client.RaftClientOptions.builder(List.of(clientAddress))
                .requestTimeout(java.time.Duration.ofSeconds(2))
                .build())) {
      return c.status().get(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      return null;
    }
  }

  /** The id of the server that says it leads, among ids by client address; 0 when none does. */
  public static long leader(java.util.Map<Long, String> clientAddresses) {
    for (java.util.Map.Entry<Long, String> e : clientAddresses.entrySet()) {
      io.raftjvm.client.proto.NodeStatus st = status(e.getValue());
      if (st != null && st.getRole().equals("LEADER")) return e.getKey();
    }
    return 0;
  }

  /** A path as HOCON wants it in a quoted string. */
  public static String quoted(Path p) {
    return "\"" + p.toString().replace("\\", "/") + "\"";
  }
}
