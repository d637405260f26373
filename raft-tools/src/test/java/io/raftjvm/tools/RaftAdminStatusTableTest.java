package io.raftjvm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftjvm.client.proto.FollowerProgress;
import io.raftjvm.client.proto.Membership;
import io.raftjvm.client.proto.NodeStatus;
import io.raftjvm.client.proto.ServerInfo;
import io.raftjvm.tools.StatusTable.Probe;
import java.util.List;
import org.junit.jupiter.api.Test;

/** raft-admin status's table, from hand-built answers. */
class RaftAdminStatusTableTest {
  /** Voters 1..3 and learner 4, each with client port 720N. */
  private static final Membership CONF = conf(List.of(1L, 2L, 3L), List.of(4L));

  @Test
  void leaderProgressFillsMatchLagAndState() {
    NodeStatus leader =
        status(1, "LEADER", 7, 1, 118, 118, 120, CONF).toBuilder()
            .addProgress(progress(1, 120, "REPLICATE", false))
            .addProgress(progress(2, 118, "REPLICATE", false))
            .addProgress(progress(3, 90, "PROBE", false))
            .addProgress(progress(4, 40, "SNAPSHOT", true))
            .build();
    List<Probe> probes =
        List.of(
            Probe.answered("127.0.0.1:7201", leader),
            Probe.answered("127.0.0.1:7202", status(2, "FOLLOWER", 7, 1, 118, 117, 119, CONF)),
            Probe.unreachable("127.0.0.1:7203", "connection refused"),
            Probe.unreachable("10.0.0.9:7209", "connection refused"),
            Probe.answered("127.0.0.1:7204", status(4, "FOLLOWER", 7, 1, 40, 40, 40, CONF)));

    assertEquals(
        List.of(
            "leader: node 1, term 7",
            "ID  MEMBER   ADDRESS         ROLE         TERM  COMMIT  APPLIED  MATCH  LAG  STATE",
            "1   VOTER    127.0.0.1:7201  LEADER       7     118     118      120    0    REPLICATE",
            "2   VOTER    127.0.0.1:7202  FOLLOWER     7     118     117      118    2    REPLICATE",
            "3   VOTER    127.0.0.1:7203  unreachable  -     -       -        90     30   PROBE",
            "4   LEARNER  127.0.0.1:7204  FOLLOWER     7     40      40       40     80   SNAPSHOT",
            "?   -        10.0.0.9:7209   unreachable  -     -       -        -      -    -"),
        StatusTable.format(probes));
  }

  @Test
  void withoutLeaderTheNewestConfigurationDecidesMembership() {
    // Node 2 has appended the configuration that removes 3 and adds learner 4; node 3 has not.
    Membership older = conf(List.of(1L, 2L, 3L), List.of());
    Membership newer = conf(List.of(1L, 2L), List.of(4L));
    List<Probe> probes =
        List.of(
            Probe.unreachable("127.0.0.1:7201", "connection refused"),
            Probe.answered("127.0.0.1:7202", status(2, "CANDIDATE", 9, 0, 50, 50, 52, newer)),
            Probe.answered("127.0.0.1:7203", status(3, "FOLLOWER", 8, 0, 50, 50, 51, older)),
            Probe.unreachable("127.0.0.1:7204", "connection refused"));

    assertEquals(
        List.of(
            "no leader (highest term seen: 9)",
            "ID  MEMBER   ADDRESS         ROLE         TERM  COMMIT  APPLIED  MATCH  LAG  STATE",
            "1   VOTER    127.0.0.1:7201  unreachable  -     -       -        -      -    -",
            "2   VOTER    127.0.0.1:7202  CANDIDATE    9     50      50       -      -    -",
            "3   -        127.0.0.1:7203  FOLLOWER     8     50      50       -      -    -",
            "4   LEARNER  127.0.0.1:7204  unreachable  -     -       -        -      -    -"),
        StatusTable.format(probes));
  }

  @Test
  void staleLeaderLosesToTheHigherTerm() {
    List<Probe> probes =
        List.of(
            Probe.answered("a:1", status(1, "LEADER", 3, 1, 10, 10, 10, CONF)),
            Probe.answered("b:2", status(2, "LEADER", 4, 2, 11, 11, 11, CONF)));

    assertEquals("leader: node 2, term 4", StatusTable.format(probes).get(0));
    assertEquals(2, StatusTable.leader(probes).orElseThrow().getId());
  }

  @Test
  void nobodyAnswered() {
    List<String> lines = StatusTable.format(List.of(Probe.unreachable("h:1", "refused")));

    assertEquals(
        List.of(
            "no leader (no server answered)",
            "ID  MEMBER  ADDRESS  ROLE         TERM  COMMIT  APPLIED  MATCH  LAG  STATE",
            "?   -       h:1      unreachable  -     -       -        -      -    -"),
        lines);
  }

  @Test
  void memberWithoutClientAddressIsUnknown() {
    Membership conf =
        Membership.newBuilder()
            .addVoters(1)
            .addVoters(2)
            .addMembers(
                ServerInfo.newBuilder()
                    .setId(1)
                    .setPeerAddress("h:7101")
                    .setClientAddress("h:7201"))
            .addMembers(ServerInfo.newBuilder().setId(2).setPeerAddress("h:7102"))
            .build();
    List<String> lines =
        StatusTable.format(
            List.of(Probe.answered("h:7201", status(1, "FOLLOWER", 2, 0, 5, 5, 5, conf))));

    assertEquals(
        "2   VOTER   -        unknown   -     -       -        -      -    -", lines.get(3));
  }

  private static NodeStatus status(
      long id,
      String role,
      long term,
      long leader,
      long commit,
      long applied,
      long last,
      Membership conf) {
    return NodeStatus.newBuilder()
        .setId(id)
        .setRole(role)
        .setTerm(term)
        .setLeaderId(leader)
        .setCommit(commit)
        .setApplied(applied)
        .setLastIndex(last)
        .setConf(conf)
        .build();
  }

  private static FollowerProgress progress(long id, long match, String state, boolean learner) {
    return FollowerProgress.newBuilder()
        .setId(id)
        .setMatch(match)
        .setNext(match + 1)
        .setState(state)
        .setLearner(learner)
        .setRecentActive(true)
        .build();
  }

  private static Membership conf(List<Long> voters, List<Long> learners) {
    Membership.Builder b = Membership.newBuilder().addAllVoters(voters).addAllLearners(learners);
    for (long id = 1; id <= 4; id++) {
      if (voters.contains(id) || learners.contains(id)) {
        b.addMembers(
            ServerInfo.newBuilder()
                .setId(id)
                .setPeerAddress("127.0.0.1:710" + id)
                .setClientAddress("127.0.0.1:720" + id));
      }
    }
    return b.build();
  }
}
