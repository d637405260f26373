package io.raftjvm.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every manifest in deploy/kubernetes/ fits the Kubernetes schema, field by field, and the check is
 * able to fail: the real manifests with one slip each are refused, naming the slip.
 */
class ManifestSchemaTest {
  @Test
  void everyManifestFitsTheSchema() throws Exception {
    List<Path> files = Manifests.files();
    assertFalse(files.isEmpty(), "no *.yaml in " + Manifests.kubernetesDir());
    for (Path f : files) {
      Manifests.Parsed p = Manifests.parse(f.getFileName().toString(), Files.readString(f));
      assertEquals(List.of(), p.problems(), f.toString());
      assertFalse(p.objects().isEmpty(), f + " holds no object");
    }
  }

  @Test
  void theManifestsHoldTheClustersObjects() throws Exception {
    Map<String, Integer> kinds = new TreeMap<>();
    for (HasMetadata o : Manifests.all()) kinds.merge(o.getKind(), 1, Integer::sum);
    assertEquals(
        Map.of("ConfigMap", 1, "PodDisruptionBudget", 1, "Service", 2, "StatefulSet", 1), kinds);
    List<HasMetadata> all = Manifests.all();
    assertEquals(1, Manifests.ofKind(all, ConfigMap.class).size());
    assertEquals(2, Manifests.ofKind(all, Service.class).size());
    assertEquals(1, Manifests.ofKind(all, StatefulSet.class).size());
    assertEquals(1, Manifests.ofKind(all, PodDisruptionBudget.class).size());
  }

  /**
   * Each row takes a real manifest, changes one thing and expects the problem named. Without the
   * check the first rows would be accepted silently by the model (and by the API server, which
   * drops unknown fields): one replica instead of three, a peer Service hiding pods that are not
   * ready, no readiness probe.
   */
  @ParameterizedTest(name = "{0}: {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "statefulset.yaml | '  replicas: 3'                 | '  replica: 3'                  | unknown field spec.replica",
        "services.yaml    | '  publishNotReadyAddresses: true' | '  publishNotReadyAdresses: true' | unknown field spec.publishNotReadyAdresses",
        "statefulset.yaml | readinessProbe:                 | readinesProbe:                  | unknown field spec.template.spec.containers[0].readinesProbe",
        "statefulset.yaml | '        fsGroup: 10001'        | '        fsgroup: 10001'        | unknown field spec.template.spec.securityContext.fsgroup",
        "statefulset.yaml | '            storage: 10Gi'     | '            storage: 10Gi\\n          limit: 1' | unknown field spec.volumeClaimTemplates[0].spec.resources.limit",
        "pdb.yaml         | maxUnavailable                  | maxUnavailabel                  | unknown field spec.maxUnavailabel",
        "configmap.yaml   | '\\ndata:'                      | '\\ndatas:'                     | unknown field datas",
        "statefulset.yaml | 'kind: StatefulSet'             | 'kind: StatefullSet'            | unknown kind StatefullSet",
        "pdb.yaml         | 'policy/v1'                     | 'policy/v2'                     | unknown kind PodDisruptionBudget of policy/v2",
        "statefulset.yaml | '  replicas: 3'                 | '  replicas: three'             | cannot be read",
        "services.yaml    | '  name: raft-peers'            | '  name: \"\"'                  | metadata.name is missing",
        "pdb.yaml         | '  name: raft'                  | '  name: raft\\n  namespace: x'  | metadata.namespace is set",
      })
  void theCheckRefusesAManifestWithASlip(String file, String from, String to, String expected)
      throws Exception {
    String yaml = Files.readString(Manifests.kubernetesDir().resolve(file));
    String original = from.replace("\\n", "\n");
    int at = yaml.indexOf(original);
    assertTrue(at >= 0, file + " no longer contains '" + from + "'");
    String broken =
        yaml.substring(0, at) + to.replace("\\n", "\n") + yaml.substring(at + original.length());
    List<String> problems = Manifests.parse(file, broken).problems();
    assertFalse(problems.isEmpty(), "the check accepted " + file + " with " + to);
    assertTrue(
        problems.stream().anyMatch(p -> p.contains(expected)),
        "expected a problem naming '" + expected + "', got " + problems);
  }

  @Test
  void unknownFieldsAreFoundAtAnyDepth() {
    String yaml =
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
          labelz: {a: b}
        spec:
          containers:
            - name: c
              image: i
              ports: [{containerPort: 1, nmae: x}]
              resources: {limits: {cpu: "1"}}
          volumes:
            - name: v
              emptyDir: {sizeLimit: 1Gi, medum: Memory}
        spec2: {}
        """;
    assertEquals(
        List.of(
            "t.yaml Pod/p: unknown field metadata.labelz",
            "t.yaml Pod/p: unknown field spec.containers[0].ports[0].nmae",
            "t.yaml Pod/p: unknown field spec.volumes[0].emptyDir.medum",
            "t.yaml Pod/p: unknown field spec2"),
        Manifests.parse("t.yaml", yaml).problems().stream().sorted().toList());
  }
}
