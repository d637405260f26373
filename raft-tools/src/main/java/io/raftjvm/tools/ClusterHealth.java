package io.raftjvm.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.raftjvm.client.proto.Membership;
import io.raftjvm.client.proto.NodeStatus;
import io.raftjvm.tools.StatusTable.Probe;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What {@code raft-admin status} concludes from the servers' answers: healthy (a leader, every
 * member answering), degraded (no leader, fewer than a majority of voters answering, members not
 * answering, a server whose node failed, a removed server still running) or failed (no server
 * answered), with the problems in words.
 */
record ClusterHealth(String level, Optional<NodeStatus> leader, List<String> problems) {
  static final String HEALTHY = "healthy";
  static final String DEGRADED = "degraded";
  static final String FAILED = "failed";

  private static final ObjectMapper JSON = new ObjectMapper();

  static ClusterHealth of(List<Probe> probes) {
    List<NodeStatus> answers = new ArrayList<>();
    List<String> silent = new ArrayList<>();
    for (Probe p : probes) {
      if (p.status() != null) answers.add(p.status());
      else silent.add(p.address());
    }
    if (answers.isEmpty()) {
      return new ClusterHealth(FAILED, Optional.empty(), List.of("no server answered"));
    }
    Optional<NodeStatus> leader = StatusTable.leader(probes);
    List<String> problems = new ArrayList<>();
    if (leader.isEmpty()) problems.add("no leader");
    Membership conf =
        leader
            .or(
                () ->
                    answers.stream()
                        .max(
                            java.util.Comparator.comparingLong(NodeStatus::getTerm)
                                .thenComparingLong(NodeStatus::getLastIndex)))
            .map(NodeStatus::getConf)
            .orElse(Membership.getDefaultInstance());
    Set<Long> answered = new TreeSet<>();
    for (NodeStatus s : answers) answered.add(s.getId());
    long votersUp = conf.getVotersList().stream().filter(answered::contains).count();
    int voters = conf.getVotersCount();
    if (voters > 0 && votersUp <= voters / 2) {
      problems.add("no quorum: " + votersUp + " of " + voters + " voters answered");
    }
    if (!silent.isEmpty()) problems.add("members unreachable: " + String.join(", ", silent));
    for (NodeStatus s : answers) {
      if (!s.getFailure().isEmpty()) {
        problems.add(
            "node "
                + s.getId()
                + " failed at "
                + java.time.Instant.ofEpochMilli(s.getFailedAtMs())
                + ": "
                + s.getFailure());
      }
      if (s.getRemoved()) problems.add("node " + s.getId() + " was removed but still runs");
    }
    return new ClusterHealth(
        problems.isEmpty() ? HEALTHY : DEGRADED, leader, List.copyOf(problems));
  }

  int exitCode() {
    return switch (level) {
      case HEALTHY -> RaftAdmin.OK;
      case DEGRADED -> RaftAdmin.DEGRADED;
      default -> RaftAdmin.FAILED;
    };
  }

  /** One JSON document: health, problems, leader, and each server as it answered (or not). */
  String json(List<Probe> probes) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("health", level);
    doc.put("problems", problems);
    doc.put("leader", leader.map(NodeStatus::getId).orElse(null));
    doc.put("term", leader.map(NodeStatus::getTerm).orElse(null));
    List<Map<String, Object>> members = new ArrayList<>();
    for (Probe p : probes) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("address", p.address());
      NodeStatus s = p.status();
      if (s == null) {
        m.put("error", p.error());
      } else {
        m.put("id", s.getId());
        m.put("role", s.getRole());
        m.put("term", s.getTerm());
        m.put("leader", s.getLeaderId());
        m.put("commit", s.getCommit());
        m.put("applied", s.getApplied());
        m.put("lastIndex", s.getLastIndex());
        m.put("snapshotIndex", s.getSnapshotIndex());
        m.put("voters", s.getConf().getVotersList());
        m.put("learners", s.getConf().getLearnersList());
        if (!s.getFailure().isEmpty()) {
          m.put("failure", s.getFailure());
          m.put("failedAt", java.time.Instant.ofEpochMilli(s.getFailedAtMs()).toString());
        }
        if (s.getRemoved()) m.put("removed", true);
      }
      members.add(m);
    }
    doc.put("members", members);
    try {
      return JSON.writeValueAsString(doc);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the status as JSON", e);
    }
  }
}
