package io.raftjvm.distribution;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tarball unpacked into an empty directory outside the checkout, run from another working
 * directory with nothing of the build on the path: a 3-node cluster from its example configs and
 * the counter benchmark with its verification, in plaintext and over mutual TLS.
 */
@DisplayName("Distribution: the tarball runs anywhere")
class DistributionIT {
  private static final Duration WAIT = Duration.ofMinutes(2);
  private static final String CLUSTER = "127.0.0.1:7201,127.0.0.1:7202,127.0.0.1:7203";

  @TempDir static Path tmp;
  private static Path home;
  private static Path elsewhere;
  private static boolean shippedKeys;
  private final List<Process> nodes = new ArrayList<>();

  @BeforeAll
  static void unpack() throws Exception {
    home = Installation.unpack(tmp).home;
    elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    shippedKeys = Files.exists(home.resolve("conf/tls/certs")); // before the TLS test makes some
  }

  /** Stops the nodes (SIGTERM, as an operator or systemd would) and wipes their data. */
  @AfterEach
  void stop() throws Exception {
    for (Process p : nodes) p.destroy();
    for (Process p : nodes) {
      if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
    }
    run(home, List.of("rm", "-rf", "data"), Duration.ofMinutes(1));
  }

  @Test
  void holdsWhatAUserNeedsAndNothingOfTheCheckout() throws Exception {
    for (String f :
        List.of(
            "bin/raft-node.sh",
            "bin/raft-admin.sh",
            "bin/counter.sh",
            "bin/counter-bench.sh",
            "bin/gen-certs.sh",
            "bin/quickstart.sh")) {
      assertTrue(Files.isExecutable(home.resolve(f)), f + " is executable");
    }
    for (String d : List.of("lib", "plugins", "tools", "conf", "conf/tls")) {
      assertTrue(Files.isDirectory(home.resolve(d)), d);
    }
    assertTrue(Files.isRegularFile(home.resolve("LICENSE")));
    assertTrue(Files.isRegularFile(home.resolve("README.md")));
    assertFalse(Files.exists(home.resolve("dist")), "no dist/: the jars are in lib/");
    assertFalse(shippedKeys, "no development keys shipped");
    String cluster = Files.readString(home.resolve("conf/cluster.conf"));
    assertTrue(cluster.contains("plugins-dir = \"plugins\""), cluster);
  }

  /**
   * The example configs from another working directory: their relative paths resolve against the
   * installation, the benchmark's verification passes, and the data is where the README says.
   */
  @Test
  void aClusterFromTheExampleConfigsServesTheBenchmarkFromAnyWorkingDirectory() throws Exception {
    for (int i = 1; i <= 3; i++) {
      nodes.add(
          start(
              elsewhere,
              List.of(
                  home.resolve("bin/raft-node.sh").toString(),
                  "--config",
                  home.resolve("conf/node" + i + ".conf").toString()),
              elsewhere.resolve("node" + i + ".out")));
    }
    awaitCounter();
    String bench =
        run(
            elsewhere,
            List.of(
                home.resolve("bin/counter-bench.sh").toString(),
                "--cluster",
                CLUSTER,
                "--concurrency",
                "64",
                "--warmup",
                "2s",
                "--duration",
                "3s"),
            WAIT);
    assertTrue(bench.contains("verification: PASSED"), bench);
    assertTrue(Files.isDirectory(home.resolve("data/node1")), "data under the installation");
    try (Stream<Path> s = Files.list(elsewhere)) {
      assertEquals(
          List.of("node1.out", "node2.out", "node3.out"),
          s.map(p -> p.getFileName().toString()).sorted().toList(),
          "nothing written to the working directory but the outputs");
    }
  }

  /** bin/quickstart.sh --tls: development certificates, the cluster over mutual TLS, the bench. */
  @Test
  void theQuickstartRunsOverMutualTls() throws Exception {
    String out =
        run(
            elsewhere,
            List.of(
                home.resolve("bin/quickstart.sh").toString(),
                "--tls",
                "--warmup",
                "1s",
                "--duration",
                "3s"),
            WAIT.multipliedBy(2));
    assertTrue(out.contains("verification: PASSED"), out);
    assertTrue(Files.isRegularFile(home.resolve("conf/tls/certs/ca.crt")), "certificates made");
  }

  /** Waits until the cluster answers the counter's get. */
  private static void awaitCounter() throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    List<String> get =
        List.of(home.resolve("bin/counter.sh").toString(), "--cluster", CLUSTER, "get");
    while (true) {
      Process p = start(elsewhere, get, null);
      if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) return;
      p.destroyForcibly();
      if (System.nanoTime() > deadline)
        throw new AssertionError("the cluster did not answer within " + WAIT);
      Thread.onSpinWait();
    }
  }

  /**
   * Starts cmd in dir with an environment of a machine that never saw the build: no RAFT_HOME, no
   * Maven, only the system's PATH and Java.
   */
  private static Process start(Path dir, List<String> cmd, Path output) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    Map<String, String> env = pb.environment();
    env.keySet()
        .removeIf(k -> k.startsWith("MAVEN") || k.equals("RAFT_HOME") || k.equals("CLASSPATH"));
    String javaBin = Path.of(System.getProperty("java.home"), "bin").toString();
    env.put("PATH", javaBin + ":/usr/local/bin:/usr/bin:/bin");
    if (output == null) {
      pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    } else {
      pb.redirectErrorStream(true).redirectOutput(output.toFile());
    }
    return pb.start();
  }

  /** Runs cmd to its end; returns its output, failing with it on a non-zero exit. */
  private static String run(Path dir, List<String> cmd, Duration timeout) throws Exception {
    Path out = Files.createTempFile(tmp, "run", ".out");
    Process p = start(dir, cmd, out);
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(
          cmd + " did not finish within " + timeout + ":\n" + Files.readString(out, UTF_8));
    }
    String text = Files.readString(out, UTF_8);
    assertEquals(0, p.exitValue(), () -> cmd + " failed:\n" + text);
    return text;
  }
}
