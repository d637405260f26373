package io.raftjvm.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/systemd/raft-node@.service: what its [Service] section must say, and systemd's own verdict
 * on it ({@code systemd-analyze verify}, when this machine has it).
 */
class SystemdUnitTest {
  private static final String INSTALLED_SCRIPT = "/opt/raft/bin/raft-node.sh";

  @TempDir Path dir;

  private static Path unitFile() {
    return Manifests.moduleDir().resolve("systemd/raft-node@.service");
  }

  /** The settings of one section: each key with its values in order (a key may repeat). */
  static Map<String, List<String>> section(String unit, String name) {
    Map<String, List<String>> settings = new LinkedHashMap<>();
    String current = null;
    for (String raw : unit.split("\n", -1)) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) continue;
      if (line.startsWith("[") && line.endsWith("]")) {
        current = line.substring(1, line.length() - 1);
        continue;
      }
      int eq = line.indexOf('=');
      if (!name.equals(current) || eq < 0) continue;
      settings
          .computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>())
          .add(line.substring(eq + 1).strip());
    }
    return settings;
  }

  private static String only(Map<String, List<String>> s, String key) {
    List<String> values = s.get(key);
    assertTrue(values != null && values.size() == 1, key + " must be set once, is " + values);
    return values.get(0);
  }

  @Test
  void theServiceSectionRunsTheNodeAsSystemdExpects() throws Exception {
    Map<String, List<String>> s = section(Files.readString(unitFile()), "Service");
    assertEquals("simple", only(s, "Type"), "raft-node.sh execs the JVM in the foreground");
    assertEquals(INSTALLED_SCRIPT + " --config /etc/raft/%i.conf", only(s, "ExecStart"));
    assertEquals("SIGTERM", only(s, "KillSignal"), "SIGTERM stops a node cleanly");
    assertTrue(
        List.of(only(s, "SuccessExitStatus").split(" ")).contains("143"),
        "the JVM exits 143 after a clean stop on SIGTERM");
    assertTrue(Integer.parseInt(only(s, "TimeoutStopSec")) >= 30, "time to sync the log");
    assertEquals("on-failure", only(s, "Restart"));
    assertFalse(only(s, "RestartSec").isBlank());
    String user = only(s, "User");
    assertFalse(user.isBlank() || user.equals("root") || user.equals("0"), "User=" + user);
    assertEquals(user, only(s, "Group"));
    assertTrue(Long.parseLong(only(s, "LimitNOFILE")) >= 65536, "LimitNOFILE");
    assertTrue(
        s.get("Environment").contains("RAFT_LOG_OUTPUT=console"),
        "the journal keeps the log: the node cannot write log files under /opt/raft");
  }

  @Test
  void theNodeCanWriteOnlyItsDataDirectory() throws Exception {
    Map<String, List<String>> s = section(Files.readString(unitFile()), "Service");
    assertEquals("yes", only(s, "NoNewPrivileges"));
    assertEquals("strict", only(s, "ProtectSystem"));
    assertEquals("yes", only(s, "PrivateTmp"));
    assertEquals("yes", only(s, "ProtectHome"));
    assertFalse(s.containsKey("MemoryDenyWriteExecute"), "it would stop the JIT compiler");
    Path writable = Path.of(only(s, "ReadWritePaths"));
    Path state = Path.of("/var/lib").resolve(only(s, "StateDirectory"));
    Path work = Path.of(only(s, "WorkingDirectory"));
    assertTrue(state.startsWith(writable), state + " is not under ReadWritePaths " + writable);
    assertEquals(state, work, "the node runs in its state directory");
  }

  @Test
  void systemdAnalyzeVerifiesTheUnitWithoutAComplaint() throws Exception {
    Path analyze = systemdAnalyze();
    Path copy = installableCopy(Files.readString(unitFile()));
    Verdict v = verify(analyze, copy);
    assertEquals(0, v.exit(), v.output());
    assertEquals("", v.output(), "systemd-analyze verify complained");
  }

  /**
   * systemd-analyze verify exits 0 on a setting it cannot parse (it only warns, and systemd would
   * ignore the setting), so the test above also demands silence. This shows that demand catches
   * such slips.
   */
  @Test
  void systemdAnalyzeComplainsAboutASlip() throws Exception {
    Path analyze = systemdAnalyze();
    String unit = Files.readString(unitFile());
    for (String[] slip :
        new String[][] {
          {"ProtectSystem=strict", "ProtectSytem=strict"},
          {"KillSignal=SIGTERM", "KillSignal=SIGTREM"},
          {"Restart=on-failure", "Restart=sometimes"},
        }) {
      assertTrue(unit.contains(slip[0]), slip[0]);
      Verdict v = verify(analyze, installableCopy(unit.replace(slip[0], slip[1])));
      assertNotEquals("", v.output(), "no complaint about " + slip[1]);
    }
  }

  /**
   * The unit as an instance (raft-node@node1.service, so that %i expands) whose ExecStart names an
   * executable that exists: verify refuses a command that does not, and /opt/raft is not installed
   * here. The repository's bin/raft-node.sh stands in for it. User=raft stays: verify (systemd 252)
   * does not look the user up, so the copy needs no user of that name here.
   */
  private Path installableCopy(String unit) throws IOException {
    Path script = Manifests.moduleDir().getParent().resolve("bin/raft-node.sh");
    assertTrue(Files.isExecutable(script), "no executable " + script);
    assertTrue(unit.contains(INSTALLED_SCRIPT));
    Path copy = dir.resolve("raft-node@node1.service");
    Files.writeString(copy, unit.replace(INSTALLED_SCRIPT, script.toString()));
    return copy;
  }

  private record Verdict(int exit, String output) {}

  private static Verdict verify(Path analyze, Path unit) throws Exception {
    Process p =
        new ProcessBuilder(analyze.toString(), "verify", unit.toString())
            .redirectErrorStream(true)
            .start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "systemd-analyze verify did not finish");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    return new Verdict(p.exitValue(), out);
  }

  /** systemd-analyze from PATH; skips the test (not passes it) when there is none. */
  private static Path systemdAnalyze() {
    Optional<Path> found =
        List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)).stream()
            .filter(d -> !d.isEmpty())
            .map(d -> Path.of(d, "systemd-analyze"))
            .filter(Files::isExecutable)
            .findFirst();
    assumeTrue(
        found.isPresent(),
        "systemd-analyze is not on the PATH (Debian package systemd): the unit is not verified");
    return found.get();
  }
}
