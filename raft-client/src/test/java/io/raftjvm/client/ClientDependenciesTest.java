package io.raftjvm.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A client application inherits only Netty, protobuf-java and slf4j-api from raft-client: never the
 * server, Chronicle, logback or typesafe-config. Read from the classpath Maven resolved for this
 * module's tests (its runtime dependencies plus JUnit); the enforcer rule in the pom checks the
 * same at build time.
 */
class ClientDependenciesTest {
  /** The jars a client may bring, by file name. */
  private static final Pattern ALLOWED =
      Pattern.compile("(netty-[a-z0-9-]+|protobuf-java|slf4j-api)-\\d[\\w.-]*\\.jar");

  /** Test-only jars (JUnit and what it needs). */
  private static final Pattern TEST_ONLY =
      Pattern.compile("(junit-[a-z-]+|opentest4j|apiguardian-api)-\\d[\\w.-]*\\.jar");

  @Test
  void aClientApplicationInheritsNettyProtobufAndSlf4jApiOnly() {
    List<String> unexpected = unexpectedJars(classpath());
    assertEquals(List.of(), unexpected, "jars a client application would inherit");
  }

  @Test
  void theCheckRejectsTheServersDependencies() {
    List<String> bad =
        List.of(
            "/m2/net/openhft/chronicle-queue/2026.4/chronicle-queue-2026.4.jar",
            "/m2/ch/qos/logback/logback-classic/1.6.6/logback-classic-1.6.6.jar",
            "/m2/com/typesafe/config/1.4.9/config-1.4.9.jar",
            "/m2/io/raftjvm/raft-engine/0.1.0-SNAPSHOT/raft-engine-0.1.0-SNAPSHOT.jar",
            "/m2/io/netty/netty-handler/4.2.18.Final/netty-handler-4.2.18.Final.jar");
    assertEquals(bad.subList(0, 4), unexpectedJars(bad));
  }

  @Test
  void theClasspathIsTheResolvedOneNotABooterJar() {
    List<String> cp = classpath();
    assertTrue(
        cp.stream().anyMatch(e -> e.contains("protobuf-java")), "protobuf-java is on it: " + cp);
    assertFalse(cp.stream().anyMatch(e -> e.endsWith("surefirebooter.jar")), cp.toString());
  }

  private static List<String> classpath() {
    String cp =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    return List.of(cp.split(Pattern.quote(File.pathSeparator)));
  }

  private static List<String> unexpectedJars(List<String> classpath) {
    List<String> out = new ArrayList<>();
    for (String entry : classpath) {
      if (!entry.endsWith(".jar")) continue; // this module's own classes
      String name = new File(entry).getName();
      if (!ALLOWED.matcher(name).matches() && !TEST_ONLY.matcher(name).matches()) out.add(entry);
    }
    return out;
  }
}
