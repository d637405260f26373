package io.raftjvm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A leader bounds its uncommitted log: once maxUncommittedBytes are waiting for followers, new
 * proposals are dropped (nothing appended) until entries commit. Not in the paper; it keeps an
 * overloaded leader's memory bounded, as etcd's MaxUncommittedEntriesSize does.
 */
@DisplayName("Uncommitted log limit")
class UncommittedLimitTest {
  private static final ByteString KB = ByteString.copyFrom(new byte[1000]);

  private static TestNode leader(long limit) {
    TestNode n = TestNode.builder(1).maxUncommittedBytes(limit).build();
    n.elect(2);
    n.ackAll(2, 3);
    return n;
  }

  @Test
  void proposalsBeyondTheLimitAreDroppedUntilSomethingCommits() {
    TestNode n = leader(3_500);
    n.node.propose(KB);
    n.node.propose(KB);
    n.node.propose(KB);
    long last = n.raft().log.lastIndex();
    ProposalDroppedException e =
        assertThrows(ProposalDroppedException.class, () -> n.node.propose(KB));
    assertTrue(e.getMessage().contains("uncommitted"), e.getMessage());
    assertEquals(last, n.raft().log.lastIndex(), "a dropped proposal appends nothing");
    n.drain();
    n.ackAll(2);
    assertEquals(last, n.raft().log.committed());
    assertEquals(0, n.raft().uncommitted.bytes());
    n.node.propose(KB);
    assertEquals(last + 1, n.raft().log.lastIndex());
  }

  @Test
  void aSingleLargeProposalIsAcceptedWhenNothingIsUncommitted() {
    TestNode n = leader(100);
    n.node.propose(KB);
    assertThrows(ProposalDroppedException.class, () -> n.node.propose(KB));
  }

  @Test
  void zeroMeansNoLimit() {
    TestNode n = leader(0);
    for (int i = 0; i < 100; i++) n.node.propose(KB);
    assertTrue(n.raft().uncommitted.bytes() >= 100L * KB.size(), "all 100 proposals were accepted");
  }

  @Test
  void aNewLeaderStartsWithAnEmptyBudget() {
    TestNode n = leader(2_500);
    n.node.propose(KB);
    n.node.propose(KB);
    assertThrows(ProposalDroppedException.class, () -> n.node.propose(KB));
    n.step(Msgs.appResp(2, 1, n.raft().term + 1, 0));
    n.drain();
    assertEquals(Role.FOLLOWER, n.raft().role);
    assertEquals(0, n.raft().uncommitted.bytes());
  }
}
