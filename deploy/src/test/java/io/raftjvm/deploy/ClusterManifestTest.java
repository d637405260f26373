package io.raftjvm.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodAntiAffinity;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the cluster relies on, read from the manifests: the peers find each other by the pods' DNS
 * names before any is ready, the probes ask the health checks on the HTTP port, one server at a
 * time may be taken down, and the config agrees with the pods it runs in (names, ports, volume).
 */
class ClusterManifestTest {
  /** Any namespace: the config names the peers in whichever the pods run in. */
  private static final String NAMESPACE = "ns-under-test";

  private static List<HasMetadata> all;
  private static StatefulSet sts;
  private static PodSpec pod;
  private static Container container;
  private static Map<String, Integer> ports;
  private static Config conf;

  @BeforeAll
  static void load() throws Exception {
    all = Manifests.all();
    sts = Manifests.one(all, StatefulSet.class);
    pod = sts.getSpec().getTemplate().getSpec();
    assertEquals(1, pod.getContainers().size(), "one container per pod");
    container = pod.getContainers().get(0);
    ports = new TreeMap<>();
    for (ContainerPort p : container.getPorts()) ports.put(p.getName(), p.getContainerPort());
    assertEquals(Set.of("peer", "client", "http"), ports.keySet());
    conf = RaftConf.parse(configMap().getData().get("raft.conf"), NAMESPACE);
  }

  private static ConfigMap configMap() {
    Volume v = volumeAt("/etc/raft");
    assertNotNull(v.getConfigMap(), "/etc/raft is not a ConfigMap volume");
    return Manifests.one(all, ConfigMap.class, v.getConfigMap().getName());
  }

  private static Map<String, String> podLabels() {
    return sts.getSpec().getTemplate().getMetadata().getLabels();
  }

  private static Service peerService() {
    return Manifests.one(all, Service.class, sts.getSpec().getServiceName());
  }

  private static String env(String name) {
    for (EnvVar e : container.getEnv()) if (e.getName().equals(name)) return e.getValue();
    throw new AssertionError("the container sets no " + name);
  }

  private static Volume volumeAt(String mountPath) {
    for (VolumeMount m : container.getVolumeMounts()) {
      if (m.getMountPath().equals(mountPath)) {
        return pod.getVolumes().stream()
            .filter(v -> v.getName().equals(m.getName()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no volume " + m.getName()));
      }
    }
    throw new AssertionError("nothing is mounted at " + mountPath);
  }

  /** The container port that a probe's or Service's port (a name or a number) designates. */
  private static int containerPort(IntOrString port) {
    if (port.getStrVal() != null) {
      Integer p = ports.get(port.getStrVal());
      if (p == null) throw new AssertionError("no container port named " + port.getStrVal());
      return p;
    }
    assertTrue(ports.containsValue(port.getIntVal()), "no container port " + port.getIntVal());
    return port.getIntVal();
  }

  private static void assertSelectsThePods(LabelSelector selector, String what) {
    assertNotNull(selector, what + " has no selector");
    assertTrue(
        selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty(),
        what + ": matchLabels only");
    assertSelectsThePods(selector.getMatchLabels(), what);
  }

  private static void assertSelectsThePods(Map<String, String> labels, String what) {
    assertNotNull(labels, what + " selects nothing");
    assertFalse(labels.isEmpty(), what + " selects every pod of the namespace");
    for (Map.Entry<String, String> e : labels.entrySet()) {
      assertEquals(e.getValue(), podLabels().get(e.getKey()), what + ": label " + e.getKey());
    }
  }

  @Test
  void thePeerServiceIsHeadlessAndPublishesPodsThatAreNotReady() {
    Service peers = peerService();
    assertEquals("None", peers.getSpec().getClusterIP(), "the peer Service must be headless");
    assertEquals(true, peers.getSpec().getPublishNotReadyAddresses());
    assertSelectsThePods(peers.getSpec().getSelector(), "the peer Service");
    Map<String, Integer> targets = new TreeMap<>();
    for (ServicePort p : peers.getSpec().getPorts()) {
      targets.put(p.getName(), containerPort(p.getTargetPort()));
      assertEquals(containerPort(p.getTargetPort()), p.getPort(), p.getName());
    }
    assertEquals(ports, targets, "the peer Service names the pods' three ports");
  }

  @Test
  void theClientServiceReachesOnlyReadyPodsOnTheClientPort() {
    List<Service> others =
        Manifests.ofKind(all, Service.class).stream()
            .filter(s -> !s.getMetadata().getName().equals(sts.getSpec().getServiceName()))
            .toList();
    assertEquals(1, others.size());
    Service client = others.get(0);
    assertEquals("ClusterIP", client.getSpec().getType());
    assertNotEquals("None", client.getSpec().getClusterIP());
    assertNotEquals(true, client.getSpec().getPublishNotReadyAddresses());
    assertSelectsThePods(client.getSpec().getSelector(), "the client Service");
    Set<Integer> targets = new TreeSet<>();
    for (ServicePort p : client.getSpec().getPorts()) targets.add(containerPort(p.getTargetPort()));
    assertTrue(targets.contains(ports.get("client")), "the client Service reaches the client port");
    assertFalse(targets.contains(ports.get("peer")), "clients have no business on the peer port");
  }

  @Test
  void theStatefulSetStartsTheFoundersTogetherUnderThePeerService() {
    assertEquals(3, sts.getSpec().getReplicas());
    assertEquals("Parallel", sts.getSpec().getPodManagementPolicy());
    assertEquals("raft-peers", sts.getSpec().getServiceName());
    assertSelectsThePods(sts.getSpec().getSelector(), "the StatefulSet");
    assertTrue(pod.getTerminationGracePeriodSeconds() >= 30, "time to stop cleanly on SIGTERM");
  }

  @Test
  void theProbesAskTheHealthChecksOnTheHttpPort() {
    int http = RaftConf.port(conf.getString("raft.http.address"));
    assertEquals(ports.get("http"), http, "raft.http.address listens on the http container port");
    assertProbe(container.getReadinessProbe(), "/health/ready", "readiness");
    assertProbe(container.getLivenessProbe(), "/health/live", "liveness");
    assertProbe(container.getStartupProbe(), "/health/live", "startup");
    Probe startup = container.getStartupProbe();
    assertTrue(
        startup.getPeriodSeconds() * startup.getFailureThreshold() >= 120,
        "the startup probe leaves time for the DNS wait, the JVM and the log's recovery");
    Probe live = container.getLivenessProbe();
    assertTrue(live.getFailureThreshold() >= 2, "one slow answer must not restart a server");
    Probe ready = container.getReadinessProbe();
    assertTrue(
        ready.getTimeoutSeconds() > 2, "/health/ready may take 2 s to say the node did not answer");
  }

  private static void assertProbe(Probe probe, String path, String what) {
    assertNotNull(probe, "no " + what + " probe");
    HTTPGetAction get = probe.getHttpGet();
    assertNotNull(get, what + " probe is not an HTTP GET");
    assertEquals(path, get.getPath(), what);
    assertEquals(ports.get("http"), containerPort(get.getPort()), what + " probe's port");
  }

  @Test
  void theDisruptionBudgetLetsOneServerGoAtATime() {
    PodDisruptionBudget pdb = Manifests.one(all, PodDisruptionBudget.class);
    assertEquals(new IntOrString(1), pdb.getSpec().getMaxUnavailable());
    assertNull(pdb.getSpec().getMinAvailable());
    assertSelectsThePods(pdb.getSpec().getSelector(), "the PodDisruptionBudget");
  }

  @Test
  void theConfigNamesTheFoundingPodsByTheirDnsNamesAndContainerPorts() {
    List<? extends Config> peers = conf.getConfigList("raft.peers");
    assertEquals(sts.getSpec().getReplicas(), peers.size(), "one founding member per replica");
    assertEquals(String.valueOf(peers.size()), env("RAFT_FOUNDERS"));
    String domain = sts.getSpec().getServiceName() + "." + NAMESPACE + ".svc";
    for (int ordinal = 0; ordinal < peers.size(); ordinal++) {
      Config p = peers.get(ordinal);
      String host = sts.getMetadata().getName() + "-" + ordinal + "." + domain;
      assertEquals(ordinal + 1, p.getLong("id"), "pod " + ordinal + " is node ordinal + 1");
      assertEquals(host + ":" + ports.get("peer"), p.getString("peer-address"));
      assertEquals(host + ":" + ports.get("client"), p.getString("client-address"));
      assertEquals(host + ":" + ports.get("http"), p.getString("http-address"));
    }
    assertFalse(conf.getString("raft.cluster-id").isBlank());
    assertFalse(conf.hasPath("raft.node-id"), "start.sh sets each pod's node id");
    assertFalse(conf.hasPath("raft.join"), "start.sh decides raft.join");
    assertTrue(Path.of(conf.getString("raft.plugins-dir")).isAbsolute());
  }

  @Test
  void theConfigHoldsOnlyKeysTheServerKnows() {
    Config reference = RaftConf.reference();
    Set<String> known = new TreeSet<>(List.of("raft.node-id", "raft.data-dir"));
    reference.getConfig("raft").entrySet().forEach(e -> known.add("raft." + e.getKey()));
    List<String> unknown = new ArrayList<>();
    conf.getConfig("raft").entrySet().stream()
        .map(e -> "raft." + e.getKey())
        .filter(k -> !known.contains(k) && !k.startsWith("raft.state-machine-config."))
        .forEach(unknown::add);
    Set<String> peerFields = Set.of("id", "peer-address", "client-address", "http-address");
    for (Config p : conf.getConfigList("raft.peers")) {
      p.root().keySet().stream().filter(f -> !peerFields.contains(f)).forEach(unknown::add);
    }
    assertEquals(List.of(), unknown, "keys reference.conf does not know");
  }

  @Test
  void theDataVolumeIsMountedWhereTheConfigKeepsTheData() {
    List<PersistentVolumeClaim> claims = sts.getSpec().getVolumeClaimTemplates();
    assertEquals(1, claims.size());
    PersistentVolumeClaim claim = claims.get(0);
    String name = claim.getMetadata().getName();
    assertTrue(
        pod.getVolumes().stream().noneMatch(v -> v.getName().equals(name)),
        "a pod volume named " + name + " would hide the claim");
    VolumeMount mount =
        container.getVolumeMounts().stream()
            .filter(m -> m.getName().equals(name))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the claim " + name + " is not mounted"));
    assertNotEquals(true, mount.getReadOnly());
    Path dataDir = Path.of(conf.getString("raft.data-dir"));
    assertTrue(dataDir.isAbsolute(), "raft.data-dir " + dataDir);
    assertTrue(
        dataDir.startsWith(Path.of(mount.getMountPath())),
        "raft.data-dir " + dataDir + " is not on the volume mounted at " + mount.getMountPath());
    assertEquals(List.of("ReadWriteOnce"), claim.getSpec().getAccessModes());
    assertNotNull(claim.getSpec().getResources().getRequests().get("storage"));
  }

  @Test
  void theContainerRunsTheStartScriptWithWhatItReads() {
    assertEquals(List.of("/bin/sh", "/etc/raft/start.sh"), container.getCommand());
    Map<String, String> data = configMap().getData();
    assertTrue(data.containsKey("start.sh") && data.containsKey("raft.conf"), "" + data.keySet());
    assertEquals("new", data.get("cluster-state"), "a fresh cluster starts as new");
    EnvVar namespace =
        container.getEnv().stream()
            .filter(e -> e.getName().equals("POD_NAMESPACE"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no POD_NAMESPACE"));
    assertEquals("metadata.namespace", namespace.getValueFrom().getFieldRef().getFieldPath());
    assertEquals(sts.getSpec().getServiceName(), env("RAFT_PEER_SERVICE"));
    assertEquals(String.valueOf(ports.get("peer")), env("RAFT_PEER_PORT"));
    assertEquals(String.valueOf(ports.get("client")), env("RAFT_CLIENT_PORT"));
    assertEquals(String.valueOf(ports.get("http")), env("RAFT_HTTP_PORT"));
    assertFalse(pod.getEnableServiceLinks(), "no RAFT_* variables from the Service raft");
  }

  @Test
  void thePodsRunUnprivilegedWithOnlyTheirVolumesWritable() {
    PodSecurityContext sc = pod.getSecurityContext();
    assertEquals(true, sc.getRunAsNonRoot());
    assertNotEquals(0L, sc.getRunAsUser());
    assertNotNull(sc.getFsGroup(), "the data volume must be writable for the user");
    assertEquals(false, container.getSecurityContext().getAllowPrivilegeEscalation());
    assertEquals(true, container.getSecurityContext().getReadOnlyRootFilesystem());
    // start.sh writes its config to /tmp, the JVM and JNA their files (JAVA_OPTS jna.tmpdir).
    assertNotNull(volumeAt("/tmp").getEmptyDir(), "/tmp must be a writable emptyDir");
    assertTrue(env("JAVA_OPTS").contains("-Djna.tmpdir=/tmp"), env("JAVA_OPTS"));
    assertNotNull(container.getResources().getRequests().get("memory"));
    assertNotNull(container.getResources().getLimits().get("memory"));
    assertNotNull(container.getResources().getRequests().get("cpu"));
  }

  @Test
  void noTwoServersShareAMachine() {
    PodAntiAffinity anti = pod.getAffinity().getPodAntiAffinity();
    assertNotNull(anti);
    List<PodAffinityTerm> required = anti.getRequiredDuringSchedulingIgnoredDuringExecution();
    assertEquals(1, required.size(), "required anti-affinity (statefulset.yaml says why)");
    assertEquals("kubernetes.io/hostname", required.get(0).getTopologyKey());
    assertSelectsThePods(required.get(0).getLabelSelector(), "the anti-affinity");
  }

  @Test
  void theImageRunsAsTheUserThePodsExpect() throws Exception {
    List<String> lines =
        java.nio.file.Files.readAllLines(Manifests.moduleDir().resolve("docker/Dockerfile"));
    String user =
        lines.stream()
            .filter(l -> l.startsWith("USER "))
            .reduce((a, b) -> b)
            .orElseThrow(() -> new AssertionError("the Dockerfile sets no USER"));
    PodSecurityContext sc = pod.getSecurityContext();
    assertEquals("USER " + sc.getRunAsUser() + ":" + sc.getRunAsGroup(), user);
    assertEquals(sc.getRunAsGroup(), sc.getFsGroup());
    String exposed =
        lines.stream()
            .filter(l -> l.startsWith("EXPOSE "))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no EXPOSE"));
    assertEquals(
        "EXPOSE "
            + ports.values().stream()
                .sorted()
                .map(String::valueOf)
                .collect(Collectors.joining(" ")),
        exposed);
    assertTrue(lines.contains("FROM eclipse-temurin:17-jre"), "the final image's base");
    assertTrue(
        lines.stream().anyMatch(l -> l.strip().startsWith("RAFT_LOG_OUTPUT=console")),
        "the server logs to stdout only: it cannot write log files under /opt/raft");
    assertTrue(
        lines.stream().anyMatch(l -> l.contains("/opt/raft/bin/raft-node.sh")),
        "the image runs /opt/raft/bin/raft-node.sh, as start.sh does");
  }
}
