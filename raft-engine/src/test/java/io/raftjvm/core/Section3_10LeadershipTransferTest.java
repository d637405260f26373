package io.raftjvm.core;

import static io.raftjvm.proto.MessageType.MSG_TIMEOUT_NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Thesis §3.10: the leader hands leadership to a chosen voter. */
@DisplayName("Thesis §3.10 Leadership transfer")
class Section3_10LeadershipTransferTest {
  private static final ByteString X = ByteString.copyFromUtf8("x");

  /** A 3-node cluster with PreVote and CheckQuorum on, node 1 leading and everything committed. */
  private static Net cluster() {
    Net net = Net.of(b -> b.preVote(true).checkQuorum(true), 1, 2, 3);
    net.campaign(1);
    assertEquals(1, net.leader());
    return net;
  }

  /**
   * An up-to-date target is told to campaign at once and wins the next term, despite the lease.
   * Ref: §3.10.
   */
  @Test
  void upToDateTargetTakesOverAtTheNextTerm() {
    Net net = cluster();
    long term = net.node(1).raft().term;
    net.node(1).node.transferLeadership(3);
    net.stabilize();
    assertEquals(3, net.leader());
    assertEquals(term + 1, net.node(3).raft().term);
    assertEquals(Role.FOLLOWER, net.node(1).raft().role);
    assertTrue(
        net.delivered.stream().anyMatch(m -> m.getType() == MSG_TIMEOUT_NOW && m.getTo() == 3));
  }

  /** A lagging target is first brought up to date, then told to campaign. Ref: §3.10. */
  @Test
  void laggingTargetIsCaughtUpFirst() {
    Net net = cluster();
    net.isolate(3);
    for (int i = 0; i < 5; i++) net.node(1).node.propose(X);
    net.stabilize();
    long last = net.node(1).raft().log.lastIndex();
    assertTrue(net.node(3).raft().log.lastIndex() < last);
    net.heal(3);
    net.node(1).node.transferLeadership(3);
    net.stabilize();
    assertEquals(3, net.leader());
    assertTrue(
        net.node(3).raft().log.committed() >= last,
        "the new leader has everything committed before");
  }

  /** Proposals are refused while a transfer is under way. Ref: §3.10. */
  @Test
  void proposalsArePausedDuringATransfer() {
    Net net = cluster();
    net.isolate(3);
    net.node(1).node.transferLeadership(3);
    assertThrows(ProposalDroppedException.class, () -> net.node(1).node.propose(X));
  }

  /**
   * A transfer that does not finish within an election timeout is abandoned; proposals resume. Ref:
   * §3.10.
   */
  @Test
  void transferIsAbandonedAfterAnElectionTimeout() {
    Net net = cluster();
    net.isolate(3);
    net.node(1).node.transferLeadership(3);
    for (int i = 0; i < 10; i++) net.tickAll();
    assertEquals(1, net.leader());
    assertEquals(Raft.NONE, net.node(1).raft().leadTransferee);
    net.node(1).node.propose(X);
  }

  @Test
  void onlyALeaderTransfersAndOnlyToAVoter() {
    Net net = cluster();
    assertThrows(NotLeaderException.class, () -> net.node(2).node.transferLeadership(3));
    assertThrows(IllegalArgumentException.class, () -> net.node(1).node.transferLeadership(9));
    net.node(1).node.transferLeadership(1);
    assertEquals(Raft.NONE, net.node(1).raft().leadTransferee, "to itself: nothing to do");
  }
}
