package io.raftjvm.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.HostPort;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.core.Role;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plugin jars built at test time: a StateMachineProvider's source is compiled against the SPI,
 * packaged with its META-INF/services entry into a jar in a temp plugins directory, and a real node
 * loads it from there. The provider classes are never on the test classpath.
 */
@Tag("integration")
@DisplayName("Plugin loading: state machines from jars in plugins-dir")
class PluginLoadingIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String PACKAGE = "io.raftjvm.it.plugin";

  @TempDir Path tmp;
  private RaftServer server;
  private RaftClient client;

  @AfterEach
  void stop() {
    if (client != null) client.close();
    if (server != null) server.close();
  }

  /**
   * Source of a provider named providerName whose state machine answers each command reversed and
   * each query with the location of the jar its class came from.
   */
  private static String echoSource(String className, String providerName) {
    return """
        package %s;

        import io.raftjvm.statemachine.CommittedEntry;
        import io.raftjvm.statemachine.StateMachine;
        import io.raftjvm.statemachine.StateMachineContext;
        import io.raftjvm.statemachine.StateMachineProvider;
        import java.io.InputStream;
        import java.io.OutputStream;
        import java.nio.charset.StandardCharsets;
        import java.util.ArrayList;
        import java.util.List;

        public final class %s implements StateMachineProvider {
          @Override public String name() { return "%s"; }
          @Override public StateMachine create(StateMachineContext context) { return new Echo(); }

          static final class Echo implements StateMachine {
            private volatile long lastApplied;

            @Override public List<byte[]> apply(List<CommittedEntry> entries) {
              List<byte[]> out = new ArrayList<>(entries.size());
              for (CommittedEntry e : entries) {
                byte[] d = e.data();
                byte[] r = new byte[d.length];
                for (int i = 0; i < d.length; i++) r[i] = d[d.length - 1 - i];
                out.add(r);
                lastApplied = e.index();
              }
              return out;
            }

            @Override public byte[] query(byte[] query) {
              return getClass().getProtectionDomain().getCodeSource().getLocation().toString()
                  .getBytes(StandardCharsets.UTF_8);
            }

            @Override public long lastApplied() { return lastApplied; }
            @Override public void snapshot(OutputStream out) {}
            @Override public void restore(InputStream in) {}
          }
        }
        """
        .formatted(PACKAGE, className, providerName);
  }

  /**
   * Compiles an echo provider (class PACKAGE.className, named providerName) against the SPI and
   * writes it with its service entry to jar.
   */
  private Path buildPluginJar(Path jar, String className, String providerName) throws Exception {
    PluginJars.build(
        Files.createTempDirectory(tmp, "build-" + className),
        jar,
        java.util.Map.of(PACKAGE + "." + className, echoSource(className, providerName)),
        PACKAGE + "." + className);
    assertThrows(
        ClassNotFoundException.class,
        () ->
            Class.forName(PACKAGE + "." + className, false, PluginLoadingIT.class.getClassLoader()),
        "the provider must come only from the jar");
    return jar;
  }

  /**
   * A single-node config selecting stateMachine, with plugins from pluginsDir and ephemeral ports.
   */
  private ServerConfig config(String stateMachine, Path pluginsDir) throws IOException {
    String hocon =
        TestClusters.peers(TestClusters.freePorts(2))
            + "raft.cluster-id = plugin-it\nraft.node-id = 1\n"
            + "raft.data-dir = "
            + TestClusters.quoted(tmp.resolve("node1"))
            + "\n"
            + "raft.state-machine = \""
            + stateMachine
            + "\"\n"
            + "raft.plugins-dir = "
            + TestClusters.quoted(pluginsDir)
            + "\n"
            + "raft.tick-interval = 50ms\nraft.election-ticks = 10\n";
    return TestClusters.config(hocon);
  }

  private void awaitLeader() throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (server.driver().role() != Role.LEADER) {
      if (System.nanoTime() > deadline) throw new AssertionError("no leader within " + WAIT);
      Thread.sleep(10);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aNodeRunsTheStateMachineOfAJarInPluginsDir() throws Exception {
    Path plugins = tmp.resolve("plugins");
    Path jar =
        buildPluginJar(plugins.resolve("echo-plugin.jar"), "EchoPluginProvider", "echo-plugin");
    Files.writeString(plugins.resolve("README.txt"), "not a jar: ignored");

    server = RaftServer.start(config("echo-plugin", plugins));
    awaitLeader();
    client =
        RaftClient.create(
            RaftClientOptions.builder(
                    List.of(HostPort.format(server.config().self().clientAddress())))
                .requestTimeout(Duration.ofSeconds(30))
                .build());

    assertEquals(
        "nigulp olleh",
        new String(client.proposeSync(utf8("hello plugin")), StandardCharsets.UTF_8));
    List<CompletableFuture<byte[]>> results = new ArrayList<>();
    for (int i = 0; i < 200; i++) results.add(client.propose(utf8("cmd-" + i)));
    for (int i = 0; i < 200; i++) {
      assertArrayEquals(
          utf8(new StringBuilder("cmd-" + i).reverse().toString()),
          results.get(i).join(),
          "command " + i);
    }
    // The answers leave the apply thread before the loop hears of the applied index: wait for it.
    TestClusters.await("applied index 201", WAIT, () -> server.driver().appliedIndex() >= 201);

    String location = new String(client.querySync(utf8("where")), StandardCharsets.UTF_8);
    assertEquals(
        jar.toRealPath(),
        Path.of(URI.create(location)).toRealPath(),
        "the state machine's classes come from the jar");
  }

  @Test
  void anUnknownNameIsRefusedWithOneLineListingTheProvidersFound() throws Exception {
    Path plugins = tmp.resolve("plugins");
    buildPluginJar(plugins.resolve("echo-plugin.jar"), "EchoPluginProvider", "echo-plugin");

    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> server = RaftServer.start(config("no-such-machine", plugins)));
    String m = e.getMessage();
    assertFalse(m.contains("\n"), "one line: " + m);
    assertTrue(m.contains("no provider named 'no-such-machine'"), m);
    assertTrue(
        m.contains("echo-plugin (" + PACKAGE + ".EchoPluginProvider)"),
        "lists the plugin jar's provider: " + m);
    assertTrue(
        m.contains("it-list (" + ListStateMachineProvider.class.getName() + ")"),
        "lists the classpath's provider: " + m);
    assertFalse(
        Files.exists(tmp.resolve("node1").resolve("raft")),
        "refused before touching the data directory");
  }

  @Test
  void twoProvidersWithTheSameNameAreRefusedNamingBoth() throws Exception {
    Path plugins = tmp.resolve("plugins");
    buildPluginJar(plugins.resolve("a.jar"), "FirstDuplicate", "dup");
    buildPluginJar(plugins.resolve("b.jar"), "SecondDuplicate", "dup");

    ConfigException e =
        assertThrows(
            ConfigException.class, () -> server = RaftServer.start(config("dup", plugins)));
    String m = e.getMessage();
    assertFalse(m.contains("\n"), "one line: " + m);
    assertTrue(m.contains("2 providers are named 'dup'"), m);
    assertTrue(m.contains("dup (" + PACKAGE + ".FirstDuplicate)"), m);
    assertTrue(m.contains("dup (" + PACKAGE + ".SecondDuplicate)"), m);
  }
}
