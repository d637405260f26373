package io.raftjvm.counter.tools;

import static io.raftjvm.counter.tools.BenchRuns.bench;
import static io.raftjvm.counter.tools.BenchRuns.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.core.Role;
import io.raftjvm.server.RaftServer;
import io.raftjvm.server.ServerConfig;
import io.raftjvm.server.TestClusters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disk use stays bounded under a constant write load (thesis ch. 5): a 3-node counter cluster takes
 * the benchmark's full load for 60 s (-Draft.disk.seconds) with a snapshot every 20,000 entries,
 * 2,000 entries kept behind each one and 1 MiB log segments. Every node's data directory is
 * measured twice a second, both as allocated blocks (du) and as file sizes (sparse files counted in
 * full); the largest any node reached must stay under {@link #BOUND_MIB} either way, whatever the
 * number of entries written.
 */
@Tag("integration")
class DiskBoundIT {
  /**
   * The bound per node. What is kept: the log since the last snapshot plus the margin (22,000
   * entries of ~40 bytes, under 1 MiB of records, in at most a few 1 MiB segments plus the segment
   * being written and Chronicle's index and metadata files) and two tiny snapshots. Measured here:
   * see the printed maximum.
   */
  static final long BOUND_MIB = 16;

  private static final int SECONDS = Integer.getInteger("raft.disk.seconds", 60);

  @TempDir Path tmp;
  private final Map<Long, RaftServer> servers = new TreeMap<>();

  @AfterEach
  void stop() {
    servers.values().forEach(RaftServer::close);
  }

  /** Allocated size of dir in KiB (du -sk), or its apparent size where du is unavailable. */
  static long usedKib(Path dir) throws IOException, InterruptedException {
    try {
      Process p = new ProcessBuilder("du", "-sk", dir.toString()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor() == 0 && out.matches("\\d+\\s+.*"))
        return Long.parseLong(out.split("\\s+")[0]);
    } catch (IOException e) {
      // no du here
    }
    return apparentKib(dir);
  }

  /**
   * The sum of the sizes of the files under dir, in KiB (sparse files count in full). Compaction
   * deletes files while the walk runs: a walk that trips over one starts again.
   */
  static long apparentKib(Path dir) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try (Stream<Path> files = Files.walk(dir)) {
        long bytes = 0;
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          try {
            bytes += Files.size(f);
          } catch (IOException e) {
            // deleted after it was listed (compaction)
          }
        }
        return bytes / 1024;
      } catch (java.io.UncheckedIOException e) {
        if (attempt == 20) throw e;
      }
    }
  }

  @Test
  void dataDirectoriesStayBoundedUnderConstantLoad() throws Exception {
    int[] ports = TestClusters.freePorts(6);
    List<String> clients = new ArrayList<>();
    for (long id = 1; id <= 3; id++) {
      clients.add("127.0.0.1:" + ports[3 + (int) id - 1]);
      ServerConfig c =
          TestClusters.config(
              TestClusters.peers(ports)
                  + "raft.cluster-id = disk-it\nraft.node-id = "
                  + id
                  + "\nraft.data-dir = "
                  + TestClusters.quoted(tmp.resolve("node" + id))
                  + "\nraft.state-machine = counter\nraft.tick-interval = 50ms\nraft.election-ticks = 10\n"
                  + "raft.snapshot.entries = 20000\nraft.snapshot.trailing-entries = 2000\nraft.log.segment-size = 1MiB\n"
                  + "raft.plugins-dir = "
                  + TestClusters.quoted(tmp.resolve("no-plugins"))
                  + "\n");
      servers.put(id, RaftServer.start(c));
    }
    CompletableFuture<BenchRuns.Run> run = new CompletableFuture<>();
    Thread runner =
        new Thread(
            () ->
                run.complete(
                    bench(
                        "--cluster",
                        String.join(",", clients),
                        "--concurrency",
                        "64",
                        "--warmup",
                        "0s",
                        "--duration",
                        SECONDS + "s",
                        "--json")),
            "bench-runner");
    runner.start();
    long maxKib = 0;
    long maxApparentKib = 0;
    int samples = 0;
    while (!run.isDone()) {
      for (long id = 1; id <= 3; id++) {
        maxKib = Math.max(maxKib, usedKib(tmp.resolve("node" + id)));
        maxApparentKib = Math.max(maxApparentKib, apparentKib(tmp.resolve("node" + id)));
      }
      samples++;
      Thread.sleep(500); // the sampling interval, not synchronisation
    }
    BenchRuns.Run result = run.get();
    assertEquals(0, result.exit(), result.out() + result.err());
    long entries = 0;
    for (RaftServer s : servers.values()) {
      if (s.driver().role() == Role.LEADER) entries = s.driver().commitIndex();
    }
    long firstIndex = servers.values().iterator().next().driver().status().get().firstIndex();
    System.out.printf(
        "DiskBoundIT: %d s, %d adds acknowledged, %d entries committed; largest data directory %.1f MiB"
            + " allocated, %.1f MiB apparent, over %d samples (bound %d MiB); log now starts at %d%n",
        SECONDS,
        number(result.out(), "addsOk"),
        entries,
        maxKib / 1024.0,
        maxApparentKib / 1024.0,
        samples,
        BOUND_MIB,
        firstIndex);
    assertTrue(firstIndex > 1, "the log was compacted");
    assertTrue(
        maxKib <= BOUND_MIB * 1024, "a data directory reached " + maxKib / 1024 + " MiB allocated");
    assertTrue(
        maxApparentKib <= BOUND_MIB * 1024,
        "a data directory reached "
            + maxApparentKib / 1024
            + " MiB of file sizes (sparse files counted in full)");
  }
}
