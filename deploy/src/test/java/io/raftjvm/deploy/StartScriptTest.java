package io.raftjvm.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * start.sh, the pods' command (configmap.yaml), run with the StatefulSet's environment: each pod
 * gets the node id, raft.join and peers its ordinal and the cluster's state call for, and execs
 * raft-node.sh on that config. Runs the real script under /bin/sh, with stand-ins for getent and
 * raft-node.sh.
 */
class StartScriptTest {
  private static final String NAMESPACE = "prod";

  private static Map<String, String> configMapData;
  private static Map<String, String> podEnv;

  @TempDir Path dir;

  @BeforeAll
  static void load() throws IOException {
    List<HasMetadata> all = Manifests.all();
    configMapData = Manifests.one(all, ConfigMap.class, "raft-config").getData();
    Container c =
        Manifests.one(all, StatefulSet.class)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);
    podEnv = new java.util.TreeMap<>();
    for (EnvVar e : c.getEnv()) if (e.getValue() != null) podEnv.put(e.getName(), e.getValue());
  }

  /** What one run printed and the config it handed to raft-node.sh (null if it did not exec). */
  private record Run(int exit, String output, Config config) {}

  private Run start(String hostname, String clusterState, boolean namesResolve) throws Exception {
    Path conf = Files.createDirectories(dir.resolve("etc-raft"));
    Files.writeString(conf.resolve("raft.conf"), configMapData.get("raft.conf"));
    Files.writeString(conf.resolve("start.sh"), configMapData.get("start.sh"));
    Files.writeString(conf.resolve("cluster-state"), clusterState);
    Path run = Files.createDirectories(dir.resolve("run"));
    Path fakes = Files.createDirectories(dir.resolve("fake-bin"));
    executable(fakes.resolve("getent"), "#!/bin/sh\nexit " + (namesResolve ? 0 : 2) + "\n");
    Path home = Files.createDirectories(dir.resolve("opt-raft/bin"));
    executable(home.resolve("raft-node.sh"), "#!/bin/sh\necho \"raft-node.sh $*\"\n");

    ProcessBuilder pb =
        new ProcessBuilder("/bin/sh", conf.resolve("start.sh").toString())
            .redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("RAFT_") || k.equals("POD_NAMESPACE"));
    env.putAll(podEnv);
    env.put("HOSTNAME", hostname);
    env.put("POD_NAMESPACE", NAMESPACE);
    env.put("RAFT_CONF_DIR", conf.toString());
    env.put("RAFT_RUN_DIR", run.toString());
    env.put("RAFT_HOME", dir.resolve("opt-raft").toString());
    env.put("RAFT_DNS_WAIT", "2");
    env.put("PATH", fakes + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
    Process p = pb.start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "start.sh did not finish");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    Path generated = run.resolve("raft-node.conf");
    boolean execed = out.contains("raft-node.sh --config " + generated);
    return new Run(p.exitValue(), out, execed ? RaftConf.parse(generated, NAMESPACE) : null);
  }

  private static void executable(Path file, String text) throws IOException {
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String host(int ordinal) {
    return "raft-" + ordinal + ".raft-peers." + NAMESPACE + ".svc";
  }

  @Test
  void theFoundersAreNodesOneToThreeAndFoundTheCluster() throws Exception {
    for (int ordinal = 0; ordinal < 3; ordinal++) {
      Run r = start("raft-" + ordinal, "new", true);
      assertEquals(0, r.exit(), r.output());
      assertTrue(r.config() != null, "start.sh did not run raft-node.sh: " + r.output());
      assertEquals(ordinal + 1, r.config().getLong("raft.node-id"));
      assertFalse(r.config().getBoolean("raft.join"), "a founder of a new cluster founds it");
      assertEquals(3, r.config().getConfigList("raft.peers").size());
      assertTrue(r.output().contains("pod raft-" + ordinal + " is node " + (ordinal + 1)));
    }
  }

  @Test
  void aPodBeyondTheFoundersJoinsAndNamesItself() throws Exception {
    Run r = start("raft-3", "new", true);
    assertEquals(0, r.exit(), r.output());
    assertEquals(4, r.config().getLong("raft.node-id"));
    assertTrue(r.config().getBoolean("raft.join"), "node 4 waits to be added");
    List<? extends Config> peers = r.config().getConfigList("raft.peers");
    assertEquals(4, peers.size(), "the founders and itself");
    Config self = peers.get(3);
    assertEquals(4, self.getLong("id"));
    assertEquals(host(3) + ":" + podEnv.get("RAFT_PEER_PORT"), self.getString("peer-address"));
    assertEquals(host(3) + ":" + podEnv.get("RAFT_CLIENT_PORT"), self.getString("client-address"));
    assertEquals(host(3) + ":" + podEnv.get("RAFT_HTTP_PORT"), self.getString("http-address"));
    for (int i = 0; i < 3; i++) {
      assertEquals(
          host(i) + ":" + podEnv.get("RAFT_PEER_PORT"), peers.get(i).getString("peer-address"));
    }
  }

  @Test
  void onceTheClusterExistsAFounderWithAnEmptyVolumeJoinsInsteadOfFounding() throws Exception {
    Run r = start("raft-1", "existing", true);
    assertEquals(0, r.exit(), r.output());
    assertEquals(2, r.config().getLong("raft.node-id"));
    assertTrue(r.config().getBoolean("raft.join"));
    assertEquals(3, r.config().getConfigList("raft.peers").size(), "it is among the founders");
  }

  @Test
  void namesThatDoNotResolveAreWaitedForThenTheServerSaysWhich() throws Exception {
    long started = System.nanoTime();
    Run r = start("raft-0", "new", false);
    assertEquals(0, r.exit(), r.output());
    assertTrue(
        r.output().contains("start.sh: " + host(0) + " does not resolve after 2s; starting anyway"),
        r.output());
    assertTrue(r.config() != null, "it starts the server anyway: " + r.output());
    assertTrue(System.nanoTime() - started >= TimeUnit.SECONDS.toNanos(2), "it waited");
  }

  @Test
  void aHostNameWithoutAnOrdinalIsRefused() throws Exception {
    Run r = start("raft", "new", true);
    assertEquals(2, r.exit(), r.output());
    assertTrue(r.output().contains("cannot read a pod ordinal from HOSTNAME=raft"), r.output());
    assertTrue(r.config() == null, "it must not start a server");
  }
}
