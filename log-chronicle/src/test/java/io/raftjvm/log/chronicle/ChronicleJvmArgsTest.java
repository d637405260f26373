package io.raftjvm.log.chronicle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The Chronicle JVM flags are written twice, in the parent pom (for tests) and in bin/common.sh
 * (for the scripts): they must say the same.
 */
class ChronicleJvmArgsTest {
  @Test
  void theScriptsAndTheBuildGiveTheSameFlags() throws IOException {
    String fromPom = System.getProperty("chronicle.jvm.args", "");
    assertFalse(fromPom.isBlank() || fromPom.contains("${"), "run through Maven: " + fromPom);
    Set<String> pom = new TreeSet<>(Arrays.asList(fromPom.trim().split("\\s+")));
    Set<String> script = scriptFlags(Files.readAllLines(Path.of("../bin/common.sh")));
    assertEquals(pom, script, "bin/common.sh CHRONICLE_JVM_ARGS against <chronicle.jvm.args>");
  }

  @Test
  void theComparisonSeesAMissingFlag() {
    Set<String> script =
        scriptFlags(
            List.of(
                "CHRONICLE_JVM_ARGS=(",
                "  --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
                "  # a comment",
                "  -Dchronicle.analytics.disable=true",
                ")",
                "--add-opens=outside/the.array=ALL-UNNAMED"));
    assertEquals(
        new TreeSet<>(
            List.of(
                "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
                "-Dchronicle.analytics.disable=true")),
        script);
    assertTrue(ChronicleJvmArgs.ofThisJvm().contains("-Dchronicle.analytics.disable=true"));
  }

  /** The flags between "CHRONICLE_JVM_ARGS=(" and the closing ")". */
  private static Set<String> scriptFlags(List<String> lines) {
    Set<String> out = new TreeSet<>();
    boolean in = false;
    for (String line : lines) {
      String t = line.trim();
      if (t.equals("CHRONICLE_JVM_ARGS=(")) in = true;
      else if (in && t.equals(")")) in = false;
      else if (in && !t.isEmpty() && !t.startsWith("#")) out.add(t);
    }
    return out;
  }
}
