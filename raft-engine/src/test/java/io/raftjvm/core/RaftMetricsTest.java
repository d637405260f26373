package io.raftjvm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What the core reports for monitoring ({@link RaftMetrics}), counted per node while the scenarios
 * of §5.2, §5.3, §6.2 and §6.4 play out: each event is reported where it happens, and only there.
 */
@DisplayName("RaftMetrics: the core reports elections, appends, step-downs and reads")
class RaftMetricsTest {
  private static final ByteString X = ByteString.copyFromUtf8("x");

  /** Counts each event by name, per node. */
  static final class Counts implements RaftMetrics {
    final Map<String, Long> n = new TreeMap<>();

    void add(String what, long k) {
      n.merge(what, k, Long::sum);
    }

    long get(String what) {
      return n.getOrDefault(what, 0L);
    }

    @Override
    public void campaignStarted(boolean preVote) {
      add(preVote ? "preVote" : "election", 1);
    }

    @Override
    public void electionWon() {
      add("won", 1);
    }

    @Override
    public void electionLost(boolean preVote) {
      add(preVote ? "preVoteLost" : "electionLost", 1);
    }

    @Override
    public void checkQuorumStepDown() {
      add("stepDown", 1);
    }

    @Override
    public void appendSent(int entries) {
      add("appendsSent", 1);
      add("entriesSent", entries);
    }

    @Override
    public void appendReceived(int entries) {
      add("appendsReceived", 1);
      add("entriesReceived", entries);
    }

    @Override
    public void appendRejected() {
      add("rejected", 1);
    }

    @Override
    public void readIndex(boolean lease) {
      add(lease ? "leaseRead" : "readIndexRead", 1);
    }

    @Override
    public void snapshotSent() {
      add("snapshotSent", 1);
    }
  }

  private final Map<Long, Counts> counts = new TreeMap<>();

  /** Three voters, each reporting to its own Counts. */
  private Net cluster(boolean preVote, boolean checkQuorum) {
    long[] ids = {1, 2, 3};
    for (long id : ids) counts.put(id, new Counts());
    Net net = new Net();
    for (long id : ids) {
      net.add(
          TestNode.builder(id)
              .preVote(preVote)
              .checkQuorum(checkQuorum)
              .metrics(counts.get(id))
              .build());
    }
    return net;
  }

  @Test
  void aWonElectionIsReportedByTheWinnerOnly() {
    Net net = cluster(true, false);
    net.campaign(1);
    assertEquals(1, net.leader());
    assertEquals(1, counts.get(1L).get("preVote"), "§9.6: the pre-vote round");
    assertEquals(1, counts.get(1L).get("election"));
    assertEquals(1, counts.get(1L).get("won"));
    for (long f : new long[] {2, 3}) {
      assertEquals(0, counts.get(f).get("election") + counts.get(f).get("won"), "node " + f);
    }
  }

  @Test
  void appendsAreCountedOnBothSidesWithTheirEntries() {
    Net net = cluster(false, false);
    net.campaign(1);
    Counts before = snapshot(counts.get(1L));
    net.node(1).node.propose(X);
    net.node(1).node.propose(X);
    net.stabilize();
    Counts leader = counts.get(1L);
    assertTrue(leader.get("appendsSent") > before.get("appendsSent"));
    // Two followers, two entries each (perhaps in one append, perhaps in two).
    assertEquals(4, leader.get("entriesSent") - before.get("entriesSent"));
    for (long f : new long[] {2, 3}) {
      // The leader's empty entry of its term, then the two proposals.
      assertEquals(3, counts.get(f).get("entriesReceived"), "node " + f);
      assertEquals(0, counts.get(f).get("appendsSent"), "only the leader sends appends");
    }
    assertEquals(0, leader.get("appendsReceived"));
  }

  private static Counts snapshot(Counts c) {
    Counts copy = new Counts();
    copy.n.putAll(c.n);
    return copy;
  }

  @Test
  void aFollowerRefusingAMismatchedAppendReportsTheRejection() {
    Net net = cluster(false, false);
    net.campaign(1);
    net.stabilize();
    long term = net.node(1).raft().term;
    // An append whose previous entry (index 5) node 2 does not have: §5.3's consistency check.
    net.send(Msgs.app(1, 2, term, 5, term, 0, java.util.List.of()));
    assertEquals(1, counts.get(2L).get("rejected"));
    assertEquals(0, counts.get(3L).get("rejected"));
  }

  @Test
  void aLeaderCutOffFromItsMajorityReportsItsCheckQuorumStepDown() {
    Net net = cluster(false, true);
    net.campaign(1);
    net.isolate(1);
    for (int i = 0; i < 20; i++) net.node(1).tick();
    assertEquals(Role.FOLLOWER, net.node(1).raft().role);
    assertEquals(1, counts.get(1L).get("stepDown"), "§6.2");
  }

  @Test
  void aCandidateAMajorityRefusesReportsTheLostElection() {
    Net net = cluster(false, false);
    net.campaign(1);
    net.node(1).node.propose(X);
    net.stabilize();
    // Node 3 misses an entry, then campaigns: its log is behind, 1 and 2 refuse (§5.4.1).
    net.isolate(3);
    net.node(1).node.propose(X);
    net.stabilize();
    net.heal(3);
    net.campaign(3);
    assertEquals(1, counts.get(3L).get("election"));
    assertEquals(1, counts.get(3L).get("electionLost"));
    assertEquals(0, counts.get(3L).get("won"));
  }

  @Test
  void readsAreReportedByTheirPath() {
    Net net = cluster(false, false);
    net.campaign(1);
    net.node(1).node.propose(X);
    net.stabilize();
    net.node(1).node.readIndex(ByteString.copyFromUtf8("r1"));
    net.stabilize();
    assertEquals(1, counts.get(1L).get("readIndexRead"), "§6.4: a heartbeat round");
    assertEquals(0, counts.get(1L).get("leaseRead"));
    assertEquals(0, counts.get(2L).get("readIndexRead"), "counted where it is confirmed");
  }

  @Test
  void withoutMetricsNothingIsReportedAndNothingBreaks() {
    Net net = Net.of(b -> {}, 1, 2, 3);
    net.campaign(1);
    assertEquals(RaftMetrics.NONE, net.node(1).node.metrics());
    net.node(1).node.propose(X);
    assertTrue(net.stabilize() > 0);
  }
}
