package io.raftjvm.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.client.proto.NodeStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling restart under load, as an operator does one: while bin/counter-bench.sh runs against a
 * 3-node cluster from the unpacked tarball, each server in turn (followers first, the leader last)
 * gets SIGTERM, is waited for, is started again on its data, and is waited for until it has applied
 * what the leader had committed when it came back. The bench must then verify every replica and
 * report no request that failed for certain (see {@link BenchResult}). Prints the throughput, the
 * errors, and the longest gap between acknowledgements, overall and around each restart, from the
 * bench's history.
 *
 * <p>The bench runs for a fixed time chosen from how long this machine took to start the cluster (a
 * loaded machine starts JVMs slowly and gets a longer window, 40 to 90 s); the test fails, saying
 * so, if the restarts did not all finish inside it.
 */
@DisplayName("Rolling restart: every server restarted in turn under load, nothing lost")
class RollingRestartIT {
  private static final Duration WAIT = Duration.ofMinutes(2);
  private static final int CONCURRENCY = 32;

  @TempDir Path tmp;
  private Installation install;
  private final Map<Long, Process> nodes = new TreeMap<>();
  private final Map<Long, Path> configs = new TreeMap<>();
  private final Map<Long, String> clientAddresses = new TreeMap<>();
  private final Map<Long, RaftClient> statusClients = new TreeMap<>();
  private Process bench;

  /**
   * One restart (times in System.nanoTime): SIGTERM sent, the old process gone, the new one caught
   * up; the term it saw then.
   */
  private record Restart(
      long id, boolean wasLeader, long sigterm, long exited, long caughtUp, long termAfter) {}

  @AfterEach
  void stopEverything() throws Exception {
    if (bench != null && bench.isAlive()) bench.destroyForcibly();
    for (Process p : nodes.values()) {
      if (p.isAlive()) Installation.stop(p, WAIT);
    }
    statusClients.values().forEach(RaftClient::close);
  }

  @Test
  void restartingEveryServerInTurnLosesNothingAcknowledged() throws Exception {
    install = Installation.unpack(tmp);
    writeConfigs();
    long clusterStart = System.nanoTime();
    for (long id : configs.keySet()) startNode(id);
    Installation.await("a leader that every server follows", WAIT, this::everyoneFollowsALeader);
    double startSeconds = (System.nanoTime() - clusterStart) / 1e9;
    // Three restarts took about 20 s here with the cluster up in 5 to 9 s: a window of twice
    // that at least, longer where the machine is slower now.
    long windowSeconds = Math.max(40, Math.min(90, Math.round(12 + 5 * startSeconds)));
    System.out.printf(
        Locale.ROOT,
        "RollingRestartIT: cluster up in %.1f s; the benchmark measures for %d s%n",
        startSeconds,
        windowSeconds);

    Path history = tmp.resolve("history.jsonl");
    Path benchOut = tmp.resolve("bench.json");
    Path benchErr = tmp.resolve("bench.err");
    ProcessBuilder benchCommand =
        new ProcessBuilder(
                install.bin("counter-bench.sh"),
                "--cluster",
                String.join(",", clientAddresses.values()),
                "--concurrency",
                Integer.toString(CONCURRENCY),
                "--warmup",
                "3s",
                "--duration",
                windowSeconds + "s",
                // A propose's deadline, retries included: long enough to ride out an election on a
                // loaded machine, so that only a real refusal fails one.
                "--timeout",
                "15s",
                "--history",
                history.toString(),
                "--json")
            .directory(tmp.toFile())
            .redirectOutput(benchOut.toFile())
            .redirectError(benchErr.toFile());
    Installation.cleanEnvironment(benchCommand);
    bench = benchCommand.start();
    Installation.await(
        "the benchmark's measured window",
        WAIT,
        () -> Installation.read(benchErr).contains(" measure "));
    long windowStart = System.nanoTime();

    List<Restart> restarts = new ArrayList<>();
    while (restarts.size() < nodes.size()) {
      long next = nextToRestart(restarts);
      restarts.add(restart(next));
    }
    long restartsDone = System.nanoTime();
    assertTrue(
        bench.isAlive(),
        () ->
            "the benchmark ended before the restarts did (they took "
                + (restartsDone - windowStart) / 1_000_000_000
                + " s of a "
                + windowSeconds
                + " s window): this machine is slower than the window allows for");

    assertTrue(
        bench.waitFor(windowSeconds + WAIT.toSeconds(), TimeUnit.SECONDS),
        "the benchmark did not finish");
    String out = Installation.read(benchOut);
    BenchResult result = BenchResult.parse(out);
    BenchHistory h = BenchHistory.read(history);
    report(result, h, restarts, windowStart, restartsDone);
    assertEquals(List.of(), result.problems(), () -> out + "\n" + Installation.read(benchErr));
    assertEquals(0, bench.exitValue(), () -> "counter-bench failed:\n" + out);
    assertEquals(
        result.total("addsOk") + result.total("getsOk"),
        h.acknowledged(),
        "the history holds every acknowledged operation");
  }

  private void writeConfigs() throws Exception {
    StringBuilder peers = new StringBuilder();
    for (long id = 1; id <= 3; id++) {
      String client = "127.0.0.1:" + Installation.freePort();
      clientAddresses.put(id, client);
      peers.append(
          "    { id = %d, peer-address = \"127.0.0.1:%d\", client-address = \"%s\" }\n"
              .formatted(id, Installation.freePort(), client));
    }
    for (long id = 1; id <= 3; id++) {
      Path conf = tmp.resolve("node" + id + ".conf");
      Files.writeString(
          conf,
          """
          raft {
            cluster-id = "rolling"
            node-id = %d
            data-dir = "%s"
            state-machine = "counter"
            plugins-dir = "plugins"
            peers = [
          %s  ]
          }
          """
              .formatted(id, tmp.resolve("data/node" + id), peers));
      configs.put(id, conf);
      statusClients.put(
          id,
          RaftClient.create(
              RaftClientOptions.builder(List.of(clientAddresses.get(id)))
                  .requestTimeout(Duration.ofSeconds(2))
                  .build()));
    }
  }

  /** Starts (or restarts) a server on its config and data; its log goes to tmp/logs/nodeN.log. */
  private void startNode(long id) throws Exception {
    nodes.put(
        id,
        Installation.start(
            tmp,
            List.of(install.bin("raft-node.sh"), "--config", configs.get(id).toString()),
            Map.of("RAFT_LOG_DIR", tmp.resolve("logs").toString(), "RAFT_LOG_OUTPUT", "file"),
            tmp.resolve("node" + id + ".out")));
  }

  /** What the server says of itself, or null when it does not answer in time. */
  private NodeStatus status(long id) {
    try {
      return statusClients.get(id).status().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      return null;
    }
  }

  private long leader() {
    for (long id : nodes.keySet()) {
      NodeStatus st = status(id);
      if (st != null && st.getRole().equals("LEADER")) return id;
    }
    return 0;
  }

  private boolean everyoneFollowsALeader() {
    long leader = leader();
    if (leader == 0) return false;
    for (long id : nodes.keySet()) {
      NodeStatus st = status(id);
      if (st == null || st.getLeaderId() != leader) return false;
    }
    return true;
  }

  /** A follower not yet restarted, else the leader (then the last one left). */
  private long nextToRestart(List<Restart> done) throws Exception {
    Installation.await("a leader", WAIT, () -> leader() != 0);
    long leader = leader();
    List<Long> left = new ArrayList<>(nodes.keySet());
    done.forEach(r -> left.remove(r.id()));
    for (long id : left) {
      if (id != leader) return id;
    }
    return left.get(0);
  }

  private Restart restart(long id) throws Exception {
    NodeStatus before = status(id);
    boolean wasLeader = before != null && before.getRole().equals("LEADER");
    long sigterm = System.nanoTime();
    int exit = Installation.stop(nodes.get(id), WAIT);
    long exited = System.nanoTime();
    assertEquals(143, exit, "node " + id + " stops cleanly on SIGTERM");
    startNode(id);
    Installation.await("node " + id + " answering again", WAIT, () -> status(id) != null);
    // Caught up: it has applied all that the leader had committed once it answered again.
    long[] target = new long[1];
    Installation.await(
        "a leader's commit index",
        WAIT,
        () -> {
          long leader = leader();
          NodeStatus st = leader == 0 ? null : status(leader);
          if (st == null) return false;
          target[0] = st.getCommit();
          return true;
        });
    Installation.await(
        "node " + id + " applying up to " + target[0],
        WAIT,
        () -> {
          NodeStatus st = status(id);
          return st != null && st.getApplied() >= target[0] && st.getLeaderId() != 0;
        });
    long caughtUp = System.nanoTime();
    NodeStatus after = status(id);
    System.out.printf(
        Locale.ROOT,
        "RollingRestartIT: node %d (%s) stopped in %d ms, back and caught up to index %d %d ms"
            + " later%n",
        id,
        wasLeader ? "the leader" : "a follower",
        (exited - sigterm) / 1_000_000,
        target[0],
        (caughtUp - exited) / 1_000_000);
    return new Restart(
        id, wasLeader, sigterm, exited, caughtUp, after == null ? 0 : after.getTerm());
  }

  private static void report(
      BenchResult result,
      BenchHistory h,
      List<Restart> restarts,
      long windowStart,
      long restartsDone) {
    System.out.println("RollingRestartIT: " + result.describe());
    BenchHistory.Gap longest = h.longestGap();
    System.out.printf(
        Locale.ROOT,
        "RollingRestartIT: longest gap between acknowledgements in the whole run: %d ms (%.1f s"
            + " after the measured window began); the restarts took %.1f s%n",
        longest.millis(),
        (longest.to() - windowStart) / 1e9,
        (restartsDone - windowStart) / 1e9);
    // System.nanoTime is the same clock in every process of this machine (Linux: CLOCK_MONOTONIC),
    // so the bench's history lines up with the restarts' times.
    for (Restart r : restarts) {
      BenchHistory.Gap g = h.longestGapEndingIn(r.sigterm(), r.caughtUp());
      System.out.printf(
          Locale.ROOT,
          "RollingRestartIT:   node %d (%s): longest gap ending between its SIGTERM and its"
              + " catching up: %d ms (%.1f s from SIGTERM to caught up; term %d after)%n",
          r.id(),
          r.wasLeader() ? "leader" : "follower",
          g.millis(),
          (r.caughtUp() - r.sigterm()) / 1e9,
          r.termAfter());
    }
  }
}
