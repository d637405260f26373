package io.raftjvm.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a server started by the distribution's bin/raft-node.sh logs: by default the console and
 * RAFT_HOME/logs/NAME.log, NAME from the config file; RAFT_LOG_DIR, RAFT_LOG_NAME, RAFT_LOG_OUTPUT
 * and RAFT_LOG_FORMAT change that. One-node clusters, each on ports of its own.
 */
@DisplayName("Logs: a server started by bin/raft-node.sh")
class LogsIT {
  private static final Duration WAIT = Duration.ofMinutes(2);
  private static final String START_LINE = "serving peers on";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  private static Installation install;
  private static Path elsewhere;
  private final List<Process> nodes = new ArrayList<>();

  @BeforeAll
  static void unpack() throws Exception {
    install = Installation.unpack(tmp);
    elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
  }

  @AfterEach
  void stop() throws Exception {
    for (Process p : nodes) {
      if (p.isAlive()) Installation.stop(p, WAIT);
    }
  }

  /** A one-node cluster: config tmp/NAME.conf, data in tmp/data-NAME. */
  private static Path soloConfig(String name) throws IOException {
    Path conf = tmp.resolve(name + ".conf");
    Files.writeString(
        conf,
        """
        raft {
          cluster-id = "%s"
          node-id = 1
          data-dir = "%s"
          state-machine = "counter"
          plugins-dir = "plugins"
          peers = [ { id = 1, peer-address = "127.0.0.1:%d", client-address = "127.0.0.1:%d" } ]
        }
        """
            .formatted(
                name,
                tmp.resolve("data-" + name),
                Installation.freePort(),
                Installation.freePort()));
    return conf;
  }

  private Process startNode(Path conf, Map<String, String> env, Path output) throws IOException {
    Process p =
        Installation.start(
            elsewhere,
            List.of(install.bin("raft-node.sh"), "--config", conf.toString()),
            env,
            output);
    nodes.add(p);
    return p;
  }

  /**
   * No settings: the console and RAFT_HOME/logs/solo-text.log (named after solo-text.conf), in
   * text, from any working directory; nothing in the data directory; appended to on a restart.
   */
  @Test
  void byDefaultTheConsoleAndAFileUnderTheInstallationNamedAfterTheConfig() throws Exception {
    Path conf = soloConfig("solo-text");
    Path console = tmp.resolve("solo-text.out");
    Process node = startNode(conf, Map.of(), console);
    Path file = install.home.resolve("logs/solo-text.log");
    Installation.await(
        "the start line in " + file, WAIT, () -> Installation.read(file).contains(START_LINE));
    String startLine =
        Installation.read(file).lines().filter(l -> l.contains(START_LINE)).findFirst().get();
    assertTrue(
        startLine.matches(
            "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} \\[main\\] INFO "
                + " io\\.raftjvm\\.server\\.RaftServer - node 1 of cluster 'solo-text' .*"),
        startLine);
    Installation.await(
        "the start line on the console",
        WAIT,
        () -> Installation.read(console).contains(START_LINE));

    assertEquals(143, Installation.stop(node, WAIT), "a clean stop on SIGTERM");
    assertTrue(Installation.read(file).contains("node 1 stopped"), Installation.read(file));
    try (Stream<Path> s = Files.walk(tmp.resolve("data-solo-text"))) {
      assertEquals(
          List.of(),
          s.filter(p -> p.getFileName().toString().endsWith(".log")).toList(),
          "no log file in the data directory");
    }
    try (Stream<Path> s = Files.list(elsewhere)) {
      assertEquals(List.of(), s.toList(), "nothing in the working directory");
    }

    startNode(conf, Map.of(), console);
    Installation.await(
        "a second start line in " + file,
        WAIT,
        () -> Installation.read(file).lines().filter(l -> l.contains(START_LINE)).count() == 2);
    assertTrue(Installation.read(file).contains("node 1 stopped"), "the first run's lines stay");
  }

  /**
   * JSON lines, in a directory given relative to RAFT_HOME and under a name of its own, and not on
   * the console (RAFT_LOG_OUTPUT=file).
   */
  @Test
  void jsonLinesOnlyToAFileOfTheGivenDirectoryAndName() throws Exception {
    Path conf = soloConfig("solo-json");
    Path console = tmp.resolve("solo-json.out");
    startNode(
        conf,
        Map.of(
            "RAFT_LOG_DIR", "var/log",
            "RAFT_LOG_NAME", "json-node",
            "RAFT_LOG_FORMAT", "json",
            "RAFT_LOG_OUTPUT", "file"),
        console);
    Path file = install.home.resolve("var/log/json-node.log");
    Installation.await(
        "the start line in " + file, WAIT, () -> Installation.read(file).contains(START_LINE));
    List<String> lines = Installation.read(file).lines().toList();
    JsonNode start = null;
    for (String line : lines) {
      JsonNode event = JSON.readTree(line); // every line is one JSON object
      assertTrue(event.isObject(), line);
      for (String field : List.of("timestamp", "level", "loggerName", "message")) {
        assertTrue(event.hasNonNull(field), field + " in " + line);
      }
      if (event.get("formattedMessage").asText().contains(START_LINE)) start = event;
    }
    assertTrue(start != null, "no start line among " + lines);
    assertEquals("INFO", start.get("level").asText());
    assertEquals("io.raftjvm.server.RaftServer", start.get("loggerName").asText());
    assertTrue(
        start.get("formattedMessage").asText().startsWith("node 1 of cluster 'solo-json'"),
        start.toString());
    assertFalse(Installation.read(console).contains(START_LINE), "logged to the console too");
    assertFalse(Files.exists(install.home.resolve("logs/solo-json.log")));
  }

  /** A value the script does not know stops it before any JVM starts. */
  @Test
  void anUnknownFormatOrOutputIsRefused() throws Exception {
    Path conf = soloConfig("solo-refused");
    for (Map<String, String> env :
        List.of(Map.of("RAFT_LOG_FORMAT", "yaml"), Map.of("RAFT_LOG_OUTPUT", "syslog"))) {
      Installation.Result r =
          install.run(
              elsewhere,
              List.of(install.bin("raft-node.sh"), "--config", conf.toString()),
              env,
              WAIT);
      assertEquals(2, r.exit(), r.output());
      String value = env.values().iterator().next();
      assertTrue(r.output().contains("not '" + value + "'"), r.output());
    }
    assertFalse(Files.exists(tmp.resolve("data-solo-refused")), "the server started");
  }
}
