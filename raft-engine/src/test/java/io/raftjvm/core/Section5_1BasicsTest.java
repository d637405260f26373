package io.raftjvm.core;

import static io.raftjvm.proto.MessageType.MSG_APPEND;
import static io.raftjvm.proto.MessageType.MSG_APPEND_RESPONSE;
import static io.raftjvm.proto.MessageType.MSG_HEARTBEAT;
import static io.raftjvm.proto.MessageType.MSG_PRE_VOTE_RESPONSE;
import static io.raftjvm.proto.MessageType.MSG_VOTE;
import static io.raftjvm.proto.MessageType.MSG_VOTE_RESPONSE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.proto.Message;
import io.raftjvm.proto.MessageType;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("§5.1 Raft basics: terms, stale messages, persistence before responding")
class Section5_1BasicsTest {

  /** Node 1 of {1,2,3}, log [1], term 1, driven into role. */
  static TestNode inRole(Role role) {
    TestNode n =
        TestNode.builder(1).log(1).hard(1, 0, 1).preVote(role == Role.PRE_CANDIDATE).build();
    switch (role) {
      case FOLLOWER -> {}
      case PRE_CANDIDATE, CANDIDATE -> {
        n.node.campaign();
        n.drain();
      }
      case LEADER -> n.elect(2);
    }
    assertEquals(role, n.raft().role);
    return n;
  }

  static Message atTerm(MessageType type, long term) {
    return switch (type) {
      case MSG_APPEND -> Msgs.app(2, 1, term, 0, 0, 0, List.of());
      case MSG_HEARTBEAT -> Msgs.hb(2, 1, term, 0);
      case MSG_VOTE -> Msgs.vote(2, 1, term, 0, 0);
      case MSG_APPEND_RESPONSE -> Msgs.appResp(2, 1, term, 1);
      case MSG_HEARTBEAT_RESPONSE -> Msgs.hbResp(2, 1, term);
      case MSG_VOTE_RESPONSE -> Msgs.voteResp(2, 1, term, true);
      case MSG_PRE_VOTE_RESPONSE -> Msgs.preVoteResp(2, 1, term, true);
      default -> throw new IllegalArgumentException(type.toString());
    };
  }

  static Stream<Arguments> rolesAndHigherTermMessages() {
    List<Arguments> out = new ArrayList<>();
    for (Role role : Role.values()) {
      for (MessageType t :
          List.of(
              MSG_APPEND,
              MSG_HEARTBEAT,
              MSG_VOTE,
              MSG_APPEND_RESPONSE,
              MessageType.MSG_HEARTBEAT_RESPONSE,
              MSG_VOTE_RESPONSE,
              MSG_PRE_VOTE_RESPONSE)) {
        out.add(Arguments.of(role, t));
      }
    }
    return out.stream();
  }

  /**
   * "If a server's current term is smaller than the other's, it updates its current term to the
   * larger value. If a candidate or leader discovers that its term is out of date, it immediately
   * reverts to follower state." Only leader traffic names the new leader. Ref: §5.1, Figure 2.
   */
  @ParameterizedTest(name = "{0} steps down on {1} at a higher term")
  @MethodSource("rolesAndHigherTermMessages")
  void higherTermMakesAnyRoleStepDown(Role role, MessageType type) {
    TestNode n = inRole(role);
    n.step(atTerm(type, 5));

    assertEquals(Role.FOLLOWER, n.raft().role);
    assertEquals(5, n.raft().term);
    boolean fromLeader = type == MSG_APPEND || type == MSG_HEARTBEAT;
    assertEquals(fromLeader ? 2 : Raft.NONE, n.raft().lead);
    assertEquals(
        Raft.NONE, n.raft().vote, "a new term starts without a vote (the request was refused)");
    n.drain();
    assertEquals(5, n.storage.hardState().getTerm(), "the new term is persisted");
  }

  /**
   * A pre-vote asks about a future term without claiming it: nobody's term moves. Ref: thesis §9.6.
   */
  @Test
  void preVoteRequestAtHigherTermDoesNotChangeTerm() {
    TestNode n = TestNode.builder(1).log(1).hard(1, 0, 1).preVote(true).build();
    n.step(Msgs.preVote(2, 1, 5, 1, 1));

    assertEquals(1, n.raft().term);
    assertEquals(Raft.NONE, n.raft().vote, "a pre-vote grant records no vote");
    Message resp = Msgs.only(n.drain(), MSG_PRE_VOTE_RESPONSE, 2);
    assertFalse(resp.getReject());
    assertEquals(5, resp.getTerm(), "a granted pre-vote carries the term asked about");
    assertEquals(1, n.storage.hardState().getTerm());
  }

  /**
   * "If a server receives a request with a stale term number, it rejects the request": a stale
   * append must not touch the log, the commit index, the leader or the election timer. With PreVote
   * and CheckQuorum off nothing at all is sent back. Ref: §5.1.
   */
  @Test
  void staleTermMessagesAreIgnored() {
    TestNode n = TestNode.builder(1).log(1, 1, 2).hard(3, 0, 1).build();
    n.step(Msgs.hb(2, 1, 3, 1));
    n.drain();
    n.tick(4);

    n.step(Msgs.app(3, 1, 2, 1, 1, 3, Logs.from(2, 2, 2))); // would truncate index 3 and commit 3
    n.step(Msgs.hb(3, 1, 2, 3));
    n.step(Msgs.vote(3, 1, 2, 9, 2));
    n.step(Msgs.appResp(3, 1, 2, 3));

    assertEquals(Logs.list(1, 1, 2), n.logTerms());
    assertEquals(1, n.committed());
    assertEquals(3, n.raft().term);
    assertEquals(2, n.raft().lead);
    assertEquals(Raft.NONE, n.raft().vote);
    assertEquals(4, n.raft().electionElapsed, "stale traffic does not reset the election timer");
    // Nothing to persist; only the stale leader's append and heartbeat are answered, with our term.
    List<Message> out = n.drain();
    assertEquals(2, out.size(), String.valueOf(out));
    for (Message m : out) {
      assertEquals(MSG_APPEND_RESPONSE, m.getType());
      assertEquals(3, m.getTerm());
    }
    assertEquals(Logs.list(1, 1, 2), n.logTerms());
  }

  /**
   * With PreVote or CheckQuorum a deposed leader cut off from the cluster would never learn the new
   * term (nobody votes it out, nobody raises the term on it), so a follower answers its stale
   * append or heartbeat with its own term, and the old leader steps down. Ref: §5.1, thesis §9.6.
   */
  @ParameterizedTest(name = "preVote={0} checkQuorum={1}")
  @CsvSource({"true,false", "false,true", "true,true", "false,false"})
  void staleLeaderLearnsTheNewTerm(boolean preVote, boolean checkQuorum) {
    TestNode follower =
        TestNode.builder(2).log(1).hard(3, 0, 1).preVote(preVote).checkQuorum(checkQuorum).build();
    TestNode oldLeader =
        TestNode.builder(1).log(1).hard(1, 0, 1).preVote(preVote).checkQuorum(checkQuorum).build();
    oldLeader.elect(3); // leader at term 2
    assertEquals(2, oldLeader.raft().term);

    for (Message m : List.of(Msgs.app(1, 2, 2, 1, 1, 1, Logs.from(2, 2)), Msgs.hb(1, 2, 2, 1))) {
      follower.step(m);
      Message resp = Msgs.only(follower.drain(), MSG_APPEND_RESPONSE, 1);
      assertEquals(3, resp.getTerm());
      assertEquals(Logs.list(1), follower.logTerms(), "the stale append is not applied");
      oldLeader.step(resp);
    }
    assertEquals(Role.FOLLOWER, oldLeader.raft().role);
    assertEquals(3, oldLeader.raft().term);
  }

  /**
   * A stale pre-vote is refused outright, with our term, so the pre-candidate catches up. Ref:
   * thesis §9.6.
   */
  @Test
  void stalePreVoteIsRejectedWithOurTerm() {
    TestNode n = TestNode.builder(1).log(1).hard(4, 0, 1).preVote(true).build();
    n.step(Msgs.preVote(2, 1, 3, 1, 1));
    Message resp = Msgs.only(n.drain(), MSG_PRE_VOTE_RESPONSE, 2);
    assertTrue(resp.getReject());
    assertEquals(4, resp.getTerm());
  }

  /**
   * Without PreVote or CheckQuorum too, a stale append is rejected with our term (§5.1), unlike
   * etcd, which drops it and counts on the higher term reaching the leader by a vote request: a
   * server re-added as a learner with a higher term and an old configuration asks nobody in the
   * leader's configuration for votes, and would never catch up. Ref: §5.1.
   */
  @Test
  void staleAppendIsAnsweredWithOurTermWithoutPreVoteOrCheckQuorumToo() {
    TestNode n = TestNode.builder(2).log(1).hard(3, 0, 1).build();
    n.step(Msgs.app(1, 2, 2, 1, 1, 1, List.of()));
    Message resp = Msgs.only(n.drain(), MSG_APPEND_RESPONSE, 1);
    assertEquals(3, resp.getTerm());
  }

  /** A vote granted in an earlier term must not count in this one. Ref: §5.1, §5.2. */
  @Test
  void candidateIgnoresGrantsFromAnotherTerm() {
    TestNode n = inRole(Role.CANDIDATE); // term 2, its own vote counted
    n.step(Msgs.voteResp(2, 1, 1, false));
    assertEquals(
        Role.CANDIDATE, n.raft().role, "a term-1 grant would have made it leader of {1,2,3}");
    assertEquals(1, n.raft().tracker.grantedVotes());

    n.step(Msgs.voteResp(2, 1, 2, false));
    assertEquals(Role.LEADER, n.raft().role);
  }

  /**
   * A pre-vote grant counts only if it carries exactly term + 1, the term asked about. Ref: thesis
   * §9.6.
   */
  @Test
  void preCandidateIgnoresGrantsForOtherTerms() {
    TestNode n = inRole(Role.PRE_CANDIDATE); // term 1, asks about term 2
    n.step(Msgs.preVoteResp(2, 1, 1, false));
    n.step(Msgs.preVoteResp(3, 1, 3, false));
    assertEquals(Role.PRE_CANDIDATE, n.raft().role);
    assertEquals(1, n.raft().term);
    assertEquals(1, n.raft().tracker.grantedVotes());

    n.step(Msgs.preVoteResp(2, 1, 2, false));
    assertEquals(Role.CANDIDATE, n.raft().role);
    assertEquals(2, n.raft().term);
  }

  /**
   * An acknowledgement from an earlier term says nothing about this leader's log. Ref: §5.1, §5.3.
   */
  @Test
  void leaderIgnoresAcksFromAnotherTerm() {
    TestNode n = TestNode.builder(1).log(1, 1).hard(2, 0, 0).build();
    n.elect(2); // term 3, no-op at index 3
    n.step(Msgs.appResp(2, 1, 2, 3));
    assertEquals(0, n.raft().tracker.get(2).match());
    assertEquals(0, n.committed());

    n.step(Msgs.appResp(2, 1, 3, 3));
    assertEquals(3, n.raft().tracker.get(2).match());
    assertEquals(3, n.committed());
    n.drain();

    n.step(Msgs.hbResp(3, 1, 2));
    assertEquals(List.of(), n.drain(), "a stale heartbeat answer must not trigger a resend to 3");
    n.step(Msgs.hbResp(3, 1, 3));
    assertEquals(
        1, Msgs.ofType(n.drain(), MSG_APPEND).size(), "the current-term one does: 3 is behind");
  }

  /**
   * "Updated on stable storage before responding to RPCs" (Figure 2): the grant leaves in
   * sendAfterPersist of the very Ready whose hard state holds the new term and vote, never in
   * sendNow. Ref: §5.1, Figure 2.
   */
  @Test
  void voteIsPersistedBeforeTheGrantLeaves() {
    TestNode n = TestNode.builder(1).log(1).hard(1, 0, 1).build();
    n.step(Msgs.vote(2, 1, 2, 1, 1));

    Ready rd = n.node.ready();
    assertNotNull(rd.hardState());
    assertEquals(2, rd.hardState().getTerm());
    assertEquals(2, rd.hardState().getVote());
    assertTrue(rd.mustSync());
    assertEquals(List.of(), rd.sendNow());
    Message grant = Msgs.only(rd.sendAfterPersist(), MSG_VOTE_RESPONSE, 2);
    assertFalse(grant.getReject());
    assertEquals(2, grant.getTerm());
  }

  /**
   * A candidate's vote requests and its own vote both wait for the term and vote to be durable: the
   * self-vote is counted only in onPersisted, so even a one-node cluster is not leader before its
   * Ready is reported durable. Ref: §5.1, §5.2, thesis §10.2.1.
   */
  @Test
  void candidateCountsItsOwnVoteOnlyAfterPersisting() {
    TestNode n = TestNode.builder(1).voters(1, 2, 3).log(1).hard(1, 0, 1).build();
    n.node.campaign();
    Ready rd = n.node.ready();
    assertEquals(2, rd.hardState().getTerm());
    assertEquals(1, rd.hardState().getVote());
    assertEquals(List.of(), rd.sendNow());
    assertEquals(2, Msgs.ofType(rd.sendAfterPersist(), MSG_VOTE).size());
    assertTrue(
        rd.sendAfterPersist().stream().noneMatch(m -> m.getTo() == 1), "self-vote is not sent out");
    n.step(Msgs.voteResp(2, 1, 2, false));
    assertEquals(
        Role.CANDIDATE, n.raft().role, "one grant without our own durable vote is no majority");

    n.persist(rd);
    assertEquals(Role.LEADER, n.raft().role);

    TestNode solo = TestNode.builder(1).voters(1).build();
    solo.node.campaign();
    Ready srd = solo.node.ready();
    assertEquals(Role.CANDIDATE, solo.raft().role);
    solo.persist(srd);
    assertEquals(Role.LEADER, solo.raft().role);
  }

  /**
   * Responses promise persisted state, leader traffic does not: a follower's append response rides
   * with the entries it acknowledges, while the leader's append may leave before the leader's own
   * write. Ref: §5.1, thesis §10.2.1.
   */
  @Test
  void appendResponseWaitsForTheEntriesButTheLeadersAppendDoesNot() {
    TestNode follower = TestNode.builder(2).log(1).hard(1, 0, 1).build();
    follower.step(Msgs.app(1, 2, 1, 1, 1, 1, Logs.from(2, 1, 1)));
    Ready frd = follower.node.ready();
    assertEquals(Logs.list(1, 1), Logs.termsOf(frd.toPersist()));
    assertEquals(List.of(), frd.sendNow());
    assertEquals(3, Msgs.only(frd.sendAfterPersist(), MSG_APPEND_RESPONSE, 1).getIndex());

    TestNode leader = TestNode.builder(1).log(1).hard(1, 0, 1).build();
    leader.elect(2);
    leader.ackAll(2, 3);
    leader.node.propose(com.google.protobuf.ByteString.copyFromUtf8("x"));
    Ready lrd = leader.node.ready();
    assertEquals(1, lrd.toPersist().size());
    assertEquals(2, Msgs.ofType(lrd.sendNow(), MSG_APPEND).size());
    assertTrue(lrd.sendAfterPersist().isEmpty(), "the leader's self-ack is stepped internally");
  }
}
