package io.raftjvm.core;

import static io.raftjvm.proto.MessageType.MSG_HEARTBEAT;
import static io.raftjvm.proto.MessageType.MSG_PRE_VOTE;
import static io.raftjvm.proto.MessageType.MSG_PRE_VOTE_RESPONSE;
import static io.raftjvm.proto.MessageType.MSG_VOTE;
import static io.raftjvm.proto.MessageType.MSG_VOTE_RESPONSE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.proto.Message;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("§5.2 Leader election (with PreVote and CheckQuorum from the thesis)")
class Section5_2LeaderElectionTest {

  /**
   * A follower, and then a candidate that hears nothing, start an election exactly when their
   * randomized timeout, drawn from [et, 2et), runs out: not a tick earlier. Different seeds give
   * different timeouts. Ref: §5.2.
   */
  @Test
  void electionStartsExactlyAtTheRandomizedTimeout() {
    Set<Integer> seen = new HashSet<>();
    for (long seed = 1; seed <= 40; seed++) {
      TestNode n = TestNode.builder(1).seed(seed).build();
      for (long expectTerm = 1; expectTerm <= 3; expectTerm++) {
        int timeout = n.raft().randomizedElectionTimeout;
        seen.add(timeout);
        assertTrue(
            timeout >= 10 && timeout < 20,
            "seed " + seed + ": timeout " + timeout + " outside [10, 20)");
        n.tick(timeout - 1);
        assertEquals(expectTerm - 1, n.raft().term, "seed " + seed + ": campaigned early");
        n.tick();
        assertEquals(Role.CANDIDATE, n.raft().role, "seed " + seed);
        assertEquals(expectTerm, n.raft().term, "seed " + seed);
        n.drain();
      }
    }
    assertTrue(seen.size() > 3, "timeouts are not randomized: " + seen);
  }

  /**
   * The configured generator is the only source of jitter: with a scripted generator every timeout
   * is known in advance, and exactly one draw happens per timer reset. Ref: §5.2.
   */
  @Test
  void scriptedGeneratorDecidesEveryTimeout() {
    TestNode.ScriptedRandom rnd = new TestNode.ScriptedRandom(3, 7, 0);
    TestNode n = TestNode.builder(1).random(rnd).build();
    assertEquals(13, n.raft().randomizedElectionTimeout);
    n.tick(12);
    assertEquals(Role.FOLLOWER, n.raft().role);
    n.tick();
    assertEquals(Role.CANDIDATE, n.raft().role);
    assertEquals(17, n.raft().randomizedElectionTimeout);
    n.tick(17);
    assertEquals(2, n.raft().term);
    assertEquals(10, n.raft().randomizedElectionTimeout);
    assertEquals(3, rnd.draws, "one draw per timer reset, nothing else");
  }

  /** The ticks at which a lone node (no answers) starts its first 8 elections. */
  static List<Integer> electionTicks(long seed) {
    TestNode n = TestNode.builder(1).seed(seed).build();
    List<Integer> out = new ArrayList<>();
    for (int tick = 1; out.size() < 8; tick++) {
      n.tick();
      if (n.raft().term > out.size()) out.add(tick);
    }
    return out;
  }

  /** Same seed, same run: the election schedule is reproducible. Ref: §5.2. */
  @Test
  void sameSeedGivesSameTimeouts() {
    assertEquals(electionTicks(42), electionTicks(42));
    assertNotEquals(electionTicks(42), electionTicks(43), "the seed has no effect");
  }

  /**
   * "A candidate wins an election if it receives votes from a majority of the servers"; a majority
   * of refusals sends it back to follower in the same term. Ref: §5.2.
   */
  @ParameterizedTest(name = "grants={0}")
  @ValueSource(booleans = {true, false})
  void candidateWinsOrLosesByMajority(boolean grants) {
    TestNode n = TestNode.builder(1).voters(1, 2, 3, 4, 5).build();
    n.node.campaign();
    assertEquals(4, Msgs.ofType(n.drain(), MSG_VOTE).size());
    n.step(Msgs.voteResp(2, 1, 1, !grants));
    assertEquals(Role.CANDIDATE, n.raft().role, "undecided: 2 of 5 either way");
    n.step(Msgs.voteResp(3, 1, 1, !grants));
    assertEquals(
        grants ? Role.LEADER : Role.CANDIDATE, n.raft().role, "3 of 5 granted, or only 2 refused");
    n.step(Msgs.voteResp(4, 1, 1, !grants));
    assertEquals(grants ? Role.LEADER : Role.FOLLOWER, n.raft().role);
    assertEquals(grants ? 1 : Raft.NONE, n.raft().lead);
    assertEquals(1, n.raft().term);
  }

  /**
   * A split vote leaves the candidate waiting; its timer runs out and it starts a new election with
   * term + 1 and fresh requests. Ref: §5.2.
   */
  @Test
  void splitVoteRetriesWithHigherTerm() {
    TestNode n = TestNode.builder(1).voters(1, 2, 3, 4).build();
    n.node.campaign();
    n.drain();
    n.step(Msgs.voteResp(2, 1, 1, false));
    n.step(Msgs.voteResp(3, 1, 1, true));
    assertEquals(Role.CANDIDATE, n.raft().role);
    int timeout = n.raft().randomizedElectionTimeout;
    n.tick(timeout - 1);
    assertEquals(1, n.raft().term);
    n.tick();
    assertEquals(Role.CANDIDATE, n.raft().role);
    assertEquals(2, n.raft().term);
    List<Message> reqs = Msgs.ofType(n.drain(), MSG_VOTE);
    assertEquals(3, reqs.size());
    assertTrue(reqs.stream().allMatch(m -> m.getTerm() == 2));
    n.step(Msgs.voteResp(2, 1, 2, false));
    n.step(Msgs.voteResp(3, 1, 2, false));
    assertEquals(Role.LEADER, n.raft().role, "votes of the old term do not linger");
  }

  /**
   * "Each server will vote for at most one candidate in a given term, on a first-come-first-served
   * basis." A repeated request from the same candidate is granted again; the vote survives a
   * restart. Ref: §5.2.
   */
  @Test
  void votesAtMostOncePerTermFirstComeFirstServed() {
    TestNode n = TestNode.builder(1).build();
    n.step(Msgs.vote(2, 1, 1, 0, 0));
    n.step(Msgs.vote(3, 1, 1, 0, 0));
    n.step(Msgs.vote(2, 1, 1, 0, 0));
    List<Message> resps = Msgs.ofType(n.drain(), MSG_VOTE_RESPONSE);
    assertEquals(List.of(false, true, false), resps.stream().map(Message::getReject).toList());
    assertEquals(List.of(2L, 3L, 2L), resps.stream().map(Message::getTo).toList());

    n.restart();
    n.step(Msgs.vote(3, 1, 1, 0, 0));
    assertTrue(
        Msgs.only(n.drain(), MSG_VOTE_RESPONSE, 3).getReject(),
        "the vote was forgotten on restart");
    n.step(Msgs.vote(3, 1, 2, 0, 0));
    assertFalse(
        Msgs.only(n.drain(), MSG_VOTE_RESPONSE, 3).getReject(), "a new term brings a new vote");
  }

  /**
   * Each voter counts once, with its first answer: duplicates and changed answers are ignored. Ref:
   * §5.2.
   */
  @Test
  void eachVoterCountsOnceWithItsFirstAnswer() {
    TestNode n = TestNode.builder(1).voters(1, 2, 3, 4, 5).build();
    n.node.campaign();
    n.drain();
    n.step(Msgs.voteResp(2, 1, 1, false));
    n.step(Msgs.voteResp(2, 1, 1, false));
    n.step(Msgs.voteResp(3, 1, 1, true));
    n.step(Msgs.voteResp(3, 1, 1, false));
    assertEquals(
        Role.CANDIDATE, n.raft().role, "self + 2 + 2 again + 3's second answer is not 3 of 5");
    n.step(Msgs.voteResp(4, 1, 1, false));
    assertEquals(Role.LEADER, n.raft().role);
  }

  /**
   * Receiving a vote request does not reset the election timer, even one whose higher term makes
   * the node step down: a refused request must not delay our own candidacy. Ref: §5.2.
   */
  @Test
  void refusedVoteRequestDoesNotResetTheTimer() {
    TestNode f =
        TestNode.builder(1).log(1, 1).hard(1, 0, 0).random(new TestNode.ScriptedRandom(5)).build();
    f.tick(7);
    f.step(Msgs.vote(2, 1, 2, 1, 1)); // shorter log: refused
    assertEquals(2, f.raft().term);
    assertEquals(7, f.raft().electionElapsed);
    assertEquals(15, f.raft().randomizedElectionTimeout);
    f.tick(7);
    assertEquals(Role.FOLLOWER, f.raft().role);
    f.tick();
    assertEquals(Role.CANDIDATE, f.raft().role, "campaigns on its original schedule");

    TestNode c = TestNode.builder(1).log(1, 1).hard(1, 0, 0).build();
    c.node.campaign(); // term 2
    c.drain();
    c.tick(4);
    c.step(Msgs.vote(3, 1, 3, 1, 1));
    assertEquals(Role.FOLLOWER, c.raft().role);
    assertEquals(3, c.raft().term);
    assertEquals(4, c.raft().electionElapsed);
  }

  /**
   * Granting a vote resets the timer and draws a fresh timeout; granting a pre-vote does not (it
   * promises nothing). Ref: §5.2, thesis §9.6.
   */
  @Test
  void grantingAVoteResetsTheTimer() {
    TestNode f =
        TestNode.builder(1).preVote(true).random(new TestNode.ScriptedRandom(5, 2)).build();
    f.tick(3);
    f.step(Msgs.preVote(2, 1, 1, 0, 0));
    assertFalse(Msgs.only(f.drain(), MSG_PRE_VOTE_RESPONSE, 2).getReject());
    assertEquals(3, f.raft().electionElapsed);
    f.tick(4);
    f.step(Msgs.vote(2, 1, 1, 0, 0));
    assertEquals(0, f.raft().electionElapsed);
    assertEquals(12, f.raft().randomizedElectionTimeout);
  }

  /**
   * A follower that already knows this term's leader refuses a vote in that term even though it has
   * not voted (a restarted node, say): a second leader in one term is what §5.2 rules out. Ref:
   * §5.2.
   */
  @Test
  void followerWithAKnownLeaderRefusesVotesInThatTerm() {
    TestNode f = TestNode.builder(1).hard(1, 0, 0).build();
    f.step(Msgs.hb(2, 1, 1, 0));
    f.drain();
    f.step(Msgs.vote(3, 1, 1, 0, 0));
    assertTrue(Msgs.only(f.drain(), MSG_VOTE_RESPONSE, 3).getReject());
    assertEquals(Raft.NONE, f.raft().vote);
  }

  /** An append or heartbeat from the current leader resets the timer. Ref: §5.2. */
  @Test
  void hearingFromTheLeaderResetsTheTimer() {
    TestNode f = TestNode.builder(1).build();
    f.tick(6);
    f.step(Msgs.hb(2, 1, 1, 0));
    assertEquals(0, f.raft().electionElapsed);
    f.tick(6);
    f.step(Msgs.app(2, 1, 1, 0, 0, 0, List.of()));
    assertEquals(0, f.raft().electionElapsed);
    assertEquals(2, f.raft().lead);

    TestNode c = TestNode.builder(1).build();
    c.node.campaign();
    c.tick(3);
    c.step(Msgs.app(2, 1, 1, 0, 0, 0, List.of()));
    assertEquals(Role.FOLLOWER, c.raft().role, "a leader of our term exists");
    assertEquals(0, c.raft().electionElapsed);
  }

  /** "Leaders send periodic heartbeats": one per follower every heartbeatTicks. Ref: §5.2. */
  @Test
  void leaderSendsHeartbeatsEveryHeartbeatTicks() {
    TestNode n = TestNode.builder(1).heartbeatTicks(3).build();
    n.elect(2);
    n.ackAll(2);
    List<Integer> beats = new ArrayList<>();
    for (int t = 1; t <= 9; t++) {
      n.tick();
      List<Message> hbs = Msgs.ofType(n.drain(), MSG_HEARTBEAT);
      if (!hbs.isEmpty()) {
        beats.add(t);
        assertEquals(
            1, Msgs.only(hbs, MSG_HEARTBEAT, 2).getCommit(), "commit = min(match, committed)");
        assertEquals(
            0,
            Msgs.only(hbs, MSG_HEARTBEAT, 3).getCommit(),
            "never beyond what 3 is known to hold");
      }
    }
    assertEquals(List.of(3, 6, 9), beats);
  }

  /**
   * A pre-candidate asks about term + 1 without raising its own term or casting a vote: nothing
   * needs persisting. Only a pre-vote majority makes it a real candidate. Ref: thesis §9.6.
   */
  @Test
  void preCandidateBecomesCandidateOnlyAfterPreVoteQuorum() {
    TestNode n =
        TestNode.builder(1).voters(1, 2, 3, 4, 5).log(1).hard(1, 0, 1).preVote(true).build();
    n.tick(n.raft().randomizedElectionTimeout);
    assertEquals(Role.PRE_CANDIDATE, n.raft().role);
    Ready rd = n.node.ready();
    assertNull(rd.hardState(), "term and vote unchanged");
    assertFalse(rd.mustSync());
    List<Message> pre = Msgs.ofType(rd.sendAfterPersist(), MSG_PRE_VOTE);
    assertEquals(4, pre.size());
    assertTrue(
        pre.stream().allMatch(m -> m.getTerm() == 2 && m.getIndex() == 1 && m.getLogTerm() == 1));
    n.persist(rd);

    n.step(Msgs.preVoteResp(2, 1, 2, false));
    assertEquals(Role.PRE_CANDIDATE, n.raft().role);
    assertEquals(1, n.raft().term);
    n.step(Msgs.preVoteResp(3, 1, 2, false));
    assertEquals(Role.CANDIDATE, n.raft().role);
    assertEquals(2, n.raft().term);
    assertEquals(4, Msgs.ofType(n.drain(), MSG_VOTE).size());
  }

  /** Losing the pre-vote leaves the term where it was. Ref: thesis §9.6. */
  @Test
  void preVoteRejectedByMajorityKeepsTheTerm() {
    TestNode n = TestNode.builder(1).log(1).hard(1, 0, 1).preVote(true).build();
    n.node.campaign();
    n.drain();
    n.step(Msgs.preVoteResp(2, 1, 1, true));
    n.step(Msgs.preVoteResp(3, 1, 1, true));
    assertEquals(Role.FOLLOWER, n.raft().role);
    assertEquals(1, n.raft().term);
    assertEquals(1, n.storage.hardState().getTerm());
  }

  /**
   * With PreVote, a node cut off from the cluster keeps failing its pre-vote and never raises its
   * term; when it comes back the leader stays leader and nobody's term moves. Without PreVote (the
   * contrast) the same rejoin deposes a healthy leader. Ref: thesis §9.6.
   */
  @ParameterizedTest(name = "preVote={0}")
  @ValueSource(booleans = {true, false})
  void partitionedNodeRejoins(boolean preVote) {
    Net net = Net.of(b -> b.preVote(preVote), 1, 2, 3);
    net.campaign(1);
    assertEquals(1, net.leader());
    net.isolate(3);
    boolean timedOut = false;
    for (int i = 0; i < 60; i++) {
      net.tickAll();
      timedOut |= net.node(3).raft().role != Role.FOLLOWER;
    }
    assertTrue(timedOut, "the isolated node never timed out");
    assertEquals(
        preVote,
        net.node(3).raft().term == 1,
        "term of the isolated node: " + net.node(3).raft().term);

    net.heal(3);
    boolean disrupted = false;
    for (int i = 0; i < 40; i++) {
      net.tickAll();
      disrupted |= net.leader() != 1 || net.node(1).raft().term != 1;
    }
    assertEquals(!preVote, disrupted);
    if (preVote) {
      for (TestNode n : net.nodes.values()) assertEquals(1, n.raft().term, "term of " + n.id);
      assertEquals(Role.FOLLOWER, net.node(3).raft().role);
      assertEquals(1, net.node(3).raft().lead);
    }
  }

  /**
   * CheckQuorum: a leader stays in office while it hears from a quorum (itself and one of three) in
   * every election timeout, and steps down, exactly at electionTicks, after a timeout in which it
   * heard from nobody. Ref: thesis §6.2.
   */
  @Test
  void checkQuorumLeaderStepsDownOnlyWithoutQuorum() {
    TestNode n = TestNode.builder(1).checkQuorum(true).build();
    n.elect(2);
    for (int round = 0; round < 3; round++) {
      n.tick(9);
      n.step(Msgs.hbResp(2, 1, 1));
      n.tick();
      assertEquals(Role.LEADER, n.raft().role, "round " + round);
    }
    n.tick(9);
    assertEquals(Role.LEADER, n.raft().role);
    n.tick();
    assertEquals(Role.FOLLOWER, n.raft().role, "the last round heard from nobody");
    assertEquals(1, n.raft().term);
    assertEquals(Raft.NONE, n.raft().lead);
  }

  /**
   * Leader lease: with CheckQuorum, a follower that heard from its leader within electionTicks
   * ignores vote requests (no term change, no answer); at electionTicks the lease is over. Without
   * CheckQuorum it answers at once. Ref: thesis §4.2.3.
   */
  @ParameterizedTest(name = "checkQuorum={0}")
  @ValueSource(booleans = {true, false})
  void followerInLeaseIgnoresVoteRequests(boolean checkQuorum) {
    TestNode f =
        TestNode.builder(1).checkQuorum(checkQuorum).random(new TestNode.ScriptedRandom(9)).build();
    f.step(Msgs.hb(2, 1, 1, 0));
    f.drain();
    f.tick(9);
    f.step(Msgs.vote(3, 1, 2, 0, 0));
    if (checkQuorum) {
      assertEquals(1, f.raft().term);
      assertEquals(List.of(), f.drain());
      f.tick();
      f.step(Msgs.vote(3, 1, 2, 0, 0));
    }
    assertEquals(2, f.raft().term);
    assertFalse(Msgs.only(f.drain(), MSG_VOTE_RESPONSE, 3).getReject());
  }

  /** Pre-votes are ignored under the lease even without CheckQuorum. Ref: thesis §9.6. */
  @Test
  void followerInLeaseIgnoresPreVotesEvenWithoutCheckQuorum() {
    TestNode f = TestNode.builder(1).preVote(true).checkQuorum(false).build();
    f.step(Msgs.preVote(3, 1, 2, 0, 0));
    assertEquals(
        1, Msgs.ofType(f.drain(), MSG_PRE_VOTE_RESPONSE).size(), "no leader heard yet: it answers");
    f.step(Msgs.hb(2, 1, 1, 0));
    f.drain();
    f.tick(3);
    f.step(Msgs.preVote(3, 1, 2, 0, 0));
    assertEquals(List.of(), f.drain());
    assertEquals(1, f.raft().term);
    assertEquals(2, f.raft().lead);
  }

  /**
   * A cluster of one (no learners) elects itself through PreVote, commits alone, and CheckQuorum
   * never deposes it. Ref: §5.2, thesis §9.6, §6.2.
   */
  @Test
  void singleNodeClusterElectsItself() {
    TestNode n = TestNode.builder(1).voters(1).preVote(true).checkQuorum(true).build();
    for (int i = 0; i < 20 && n.raft().role != Role.LEADER; i++) {
      n.tick();
      n.drain();
    }
    assertEquals(Role.LEADER, n.raft().role);
    assertEquals(1, n.raft().term);
    n.node.propose(ByteString.copyFromUtf8("x"));
    n.drain();
    assertEquals(2, n.committed());
    for (int i = 0; i < 100; i++) {
      n.tick();
      n.drain();
    }
    assertEquals(Role.LEADER, n.raft().role);
  }
}
