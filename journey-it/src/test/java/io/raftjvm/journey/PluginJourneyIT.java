package io.raftjvm.journey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new plugin author does, with the README and the archetype alone: make the artifacts
 * available locally (the README's install command, into the user's local Maven repository),
 * generate a plugin project from the archetype, build it (its test-kit tests run), drop the jar
 * into a plugins directory, run a 3-node cluster from the distribution's bin/raft-node.sh with
 * raft.state-machine = "kv", and propose and query through bin/raft-client.sh. The counter's tool
 * sent to that cluster is refused.
 */
@Tag("integration")
@DisplayName("The plugin author's journey: archetype to running cluster")
class PluginJourneyIT {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final long MINUTES = 5;

  @TempDir Path tmp;
  private final List<Process> servers = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : servers) p.destroy(); // SIGTERM: a clean stop
    for (Process p : servers) {
      if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
    }
  }

  /** Runs a command in dir; returns its exit code, its output in out. */
  private int run(Path dir, Path out, String... command) throws Exception {
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    if (!p.waitFor(MINUTES, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish: " + tail(out));
    }
    return p.exitValue();
  }

  private static String tail(Path out) throws IOException {
    List<String> lines = Files.readAllLines(out);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }

  private void mustRun(Path dir, String what, String... command) throws Exception {
    Path out = tmp.resolve(what.replace(' ', '-') + ".log");
    int code = run(dir, out, command);
    assertEquals(0, code, what + " failed:\n" + tail(out));
  }

  /** bin/raft-client.sh ...; returns exit code and output (stdout and stderr). */
  private String[] client(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("bin/raft-client.sh").toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(tmp, "client", ".out");
    int code = run(ROOT, out, cmd.toArray(String[]::new));
    return new String[] {Integer.toString(code), Files.readString(out).strip()};
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void fromTheArchetypeToACustomPluginInARunningCluster() throws Exception {
    String mvnw = ROOT.resolve("mvnw").toString();
    // 1. The README's one command (the parts a plugin author needs). Not offline: on a fresh
    // machine
    // the install plugin may not be in the local repository yet.
    mustRun(
        ROOT,
        "install",
        mvnw,
        "-B",
        "-ntp",
        "-q",
        "install",
        "-DskipTests",
        "-Dspotless.check.skip=true",
        "-pl",
        "raft-bom,statemachine-spi,statemachine-testkit,statemachine-archetype",
        "-am");
    // 2. A project from the archetype, offline.
    mustRun(
        tmp,
        "generate",
        mvnw,
        "-B",
        "-ntp",
        "-o",
        "org.apache.maven.plugins:maven-archetype-plugin:3.3.1:generate",
        "-DarchetypeGroupId=io.raftjvm",
        "-DarchetypeArtifactId=statemachine-archetype",
        "-DarchetypeVersion=0.1.0-SNAPSHOT",
        "-DgroupId=com.example",
        "-DartifactId=kv-plugin",
        "-Dversion=1.0",
        "-Dpackage=com.example.kv",
        "-DstateMachineName=kv",
        "-DinteractiveMode=false");
    Path project = tmp.resolve("kv-plugin");
    // 3. It builds at once, its test-kit tests included.
    mustRun(project, "build", mvnw, "-B", "-ntp", "-o", "package");
    Path jar = project.resolve("target/kv-plugin-1.0.jar");
    assertTrue(Files.isRegularFile(jar), "the plugin jar");
    // 4. Deployed into a 3-node cluster run from the distribution.
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    Files.copy(jar, plugins.resolve(jar.getFileName()));
    int[] ports = new int[6];
    for (int i = 0; i < 6; i++) ports[i] = freePort();
    StringBuilder peers = new StringBuilder("raft.peers = [\n");
    for (int id = 1; id <= 3; id++) {
      peers.append(
          "  { id = %d, peer-address = \"127.0.0.1:%d\", client-address = \"127.0.0.1:%d\" }\n"
              .formatted(id, ports[id - 1], ports[id + 2]));
    }
    peers.append("]\n");
    for (int id = 1; id <= 3; id++) {
      Path conf = tmp.resolve("node" + id + ".conf");
      Files.writeString(
          conf,
          peers
              + "raft.cluster-id = journey\nraft.node-id = %d\nraft.data-dir = \"%s\"\n"
                  .formatted(id, tmp.resolve("data/node" + id))
              + "raft.state-machine = kv\nraft.plugins-dir = \"%s\"\n".formatted(plugins)
              + "raft.tick-interval = 50ms\n",
          StandardCharsets.UTF_8);
      ProcessBuilder node =
          new ProcessBuilder(
                  ROOT.resolve("bin/raft-node.sh").toString(), "--config", conf.toString())
              .directory(ROOT.toFile())
              .redirectErrorStream(true)
              .redirectOutput(tmp.resolve("node" + id + ".out").toFile());
      // The log files in this test's directory, not in the checkout's logs/.
      node.environment().put("RAFT_LOG_DIR", tmp.resolve("logs").toString());
      node.environment().remove("RAFT_LOG_NAME");
      servers.add(node.start());
    }
    String cluster =
        "127.0.0.1:%d,127.0.0.1:%d,127.0.0.1:%d".formatted(ports[3], ports[4], ports[5]);
    // 5. Proposes and queries through the generic client (the first waits for an election).
    String[] r =
        client(
            "--cluster",
            cluster,
            "--timeout",
            "60s",
            "--state-machine",
            "kv",
            "propose",
            "--utf8",
            "put a 1");
    assertEquals("0", r[0], r[1]);
    assertEquals("", r[1], "no previous value");
    r = client("--cluster", cluster, "--state-machine", "kv", "propose", "--utf8", "put a 2");
    assertEquals("0", r[0], r[1]);
    assertEquals("1", r[1]);
    r = client("--cluster", cluster, "--state-machine", "kv", "query", "--utf8", "get a");
    assertEquals("0", r[0], r[1]);
    assertEquals("2", r[1]);
    // 6. A client for another state machine is refused, and nothing it sent is applied.
    List<String> counter =
        List.of(ROOT.resolve("bin/counter.sh").toString(), "--cluster", cluster, "add", "5");
    Path out = tmp.resolve("counter.out");
    assertEquals(1, run(ROOT, out, counter.toArray(String[]::new)), tail(out));
    assertTrue(
        Files.readString(out).contains("this cluster runs state machine 'kv', not 'counter'"),
        tail(out));
    // Where the provider came from, as the server logs it.
    try (Stream<String> log = Files.lines(tmp.resolve("logs/node1.log"))) {
      assertTrue(
          log.anyMatch(
              l -> l.contains("state machine 'kv': com.example.kv.KvProvider from " + plugins)),
          "node 1 logs the plugin's jar");
    }
  }
}
