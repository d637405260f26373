package io.raftjvm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.raftjvm.client.proto.Membership;
import io.raftjvm.client.proto.NodeStatus;
import io.raftjvm.tools.StatusTable.Probe;
import java.util.List;
import org.junit.jupiter.api.Test;

/** raft-admin status: healthy, degraded or failed, with the problems named, and its JSON. */
class ClusterHealthTest {
  private static final Membership THREE =
      Membership.newBuilder().addVoters(1).addVoters(2).addVoters(3).build();

  private static Probe answered(long id, String role, long leader) {
    return Probe.answered(
        "h:720" + id,
        NodeStatus.newBuilder()
            .setId(id)
            .setRole(role)
            .setTerm(5)
            .setLeaderId(leader)
            .setCommit(10)
            .setApplied(10)
            .setLastIndex(10)
            .setConf(THREE)
            .build());
  }

  @Test
  void aLeaderAndEveryMemberAnsweringIsHealthy() {
    ClusterHealth h =
        ClusterHealth.of(
            List.of(
                answered(1, "LEADER", 1), answered(2, "FOLLOWER", 1), answered(3, "FOLLOWER", 1)));
    assertEquals("healthy", h.level());
    assertEquals(List.of(), h.problems());
    assertEquals(RaftAdmin.OK, h.exitCode());
  }

  @Test
  void aMemberDownIsDegraded() {
    ClusterHealth h =
        ClusterHealth.of(
            List.of(
                answered(1, "LEADER", 1),
                answered(2, "FOLLOWER", 1),
                Probe.unreachable("h:7203", "connection refused")));
    assertEquals("degraded", h.level());
    assertEquals(List.of("members unreachable: h:7203"), h.problems());
    assertEquals(RaftAdmin.DEGRADED, h.exitCode());
  }

  @Test
  void twoOfThreeDownIsNoLeaderAndNoQuorum() {
    ClusterHealth h =
        ClusterHealth.of(
            List.of(
                answered(1, "FOLLOWER", 0),
                Probe.unreachable("h:7202", "refused"),
                Probe.unreachable("h:7203", "refused")));
    assertEquals(
        List.of(
            "no leader",
            "no quorum: 1 of 3 voters answered",
            "members unreachable: h:7202, h:7203"),
        h.problems());
    assertEquals(RaftAdmin.DEGRADED, h.exitCode());
  }

  @Test
  void noAnswerIsFailed() {
    ClusterHealth h = ClusterHealth.of(List.of(Probe.unreachable("h:7201", "refused")));
    assertEquals("failed", h.level());
    assertEquals(RaftAdmin.FAILED, h.exitCode());
  }

  @Test
  void theJsonNamesHealthLeaderAndEveryMember() throws Exception {
    List<Probe> probes =
        List.of(
            answered(1, "LEADER", 1),
            answered(2, "FOLLOWER", 1),
            Probe.unreachable("h:7203", "connection refused"));
    JsonNode doc = new ObjectMapper().readTree(ClusterHealth.of(probes).json(probes));
    assertEquals("degraded", doc.get("health").asText());
    assertEquals(1, doc.get("leader").asLong());
    assertEquals(5, doc.get("term").asLong());
    assertEquals(3, doc.get("members").size());
    assertEquals("LEADER", doc.get("members").get(0).get("role").asText());
    assertEquals(10, doc.get("members").get(1).get("applied").asLong());
    assertEquals("connection refused", doc.get("members").get(2).get("error").asText());
    assertTrue(doc.get("problems").get(0).asText().startsWith("members unreachable"));
  }

  @Test
  void aFailedServerAndARemovedOneAreDegradedAndNamed() {
    NodeStatus failed =
        answered(3, "FAILED", 1).status().toBuilder()
            .setFailure("the state machine threw applying entry 42: boom")
            .setFailedAtMs(1796367600000L)
            .build();
    NodeStatus removed = answered(2, "FOLLOWER", 1).status().toBuilder().setRemoved(true).build();
    List<Probe> probes =
        List.of(
            answered(1, "LEADER", 1),
            Probe.answered("h:7202", removed),
            Probe.answered("h:7203", failed));
    ClusterHealth h = ClusterHealth.of(probes);
    assertEquals("degraded", h.level());
    assertEquals(
        List.of(
            "node 2 was removed but still runs",
            "node 3 failed at 2026-12-04T07:00:00Z: the state machine threw applying entry 42:"
                + " boom"),
        h.problems());
    assertEquals(RaftAdmin.DEGRADED, h.exitCode());
    assertTrue(h.json(probes).contains("\"failure\":\"the state machine threw"), h.json(probes));
    assertTrue(h.json(probes).contains("\"removed\":true"), h.json(probes));
  }
}
