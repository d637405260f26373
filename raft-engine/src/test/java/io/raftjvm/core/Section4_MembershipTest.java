package io.raftjvm.core;

import static io.raftjvm.proto.MessageType.MSG_APPEND_RESPONSE;
import static io.raftjvm.proto.MessageType.MSG_PRE_VOTE;
import static io.raftjvm.proto.MessageType.MSG_TIMEOUT_NOW;
import static io.raftjvm.proto.MessageType.MSG_VOTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.proto.ConfChange;
import io.raftjvm.proto.ConfChangeType;
import io.raftjvm.proto.ConfState;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Thesis chapter 4: single-server membership changes, learners, removal of the leader. */
@DisplayName("Thesis ch. 4 Membership changes")
class Section4_MembershipTest {
  private static final ByteString X = ByteString.copyFromUtf8("x");

  /** {@link #cluster(boolean)} with PreVote and CheckQuorum on. */
  private static Net cluster() {
    return cluster(true);
  }

  /**
   * Founding voters 1-3, bootstrapped as a server bootstraps (the configuration is entry 1 of the
   * log), node 1 leading; plus empty servers 4 and 5 that may join.
   */
  private static Net cluster(boolean safeguards) {
    Net net = new Net();
    ConfState founding = ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(3).build();
    for (long id = 1; id <= 5; id++) {
      TestNode.Builder b =
          TestNode.builder(id).voters().preVote(safeguards).checkQuorum(safeguards);
      if (id <= 3) b.log(List.of(ConfChanges.initialEntry(founding))).hard(1, 0, 1);
      net.add(b.build());
    }
    net.campaign(1);
    assertEquals(1, net.leader());
    return net;
  }

  private static EntryId change(Net net, long leader, ConfChange cc) {
    EntryId at = net.node(leader).node.proposeConfChange(cc);
    net.stabilize();
    return at;
  }

  private static ConfChange learner(long id) {
    return ConfChanges.addLearner(id, "127.0.0.1:" + (7100 + id), "127.0.0.1:" + (7200 + id));
  }

  private static List<Long> voters(Net net, long id) {
    return net.node(id).node.confState().getVotersList();
  }

  private static List<Long> learners(Net net, long id) {
    return net.node(id).node.confState().getLearnersList();
  }

  /** A learner receives the whole log but never counts for commitment. Ref: thesis §4.2.1. */
  @Test
  void learnerReceivesTheLogButDoesNotCountForCommit() {
    Net net = cluster();
    EntryId at = change(net, 1, learner(4));
    assertEquals(net.node(1).lastIndex(), net.node(4).lastIndex(), "the learner caught up");
    assertTrue(net.node(4).committed() >= at.index());
    assertEquals(List.of(4L), learners(net, 4));
    assertEquals(
        List.of(1L, 2L, 3L), voters(net, 4), "it learned the founding voters from the log");
    assertEquals(
        "127.0.0.1:7104", ConfChanges.member(net.node(1).node.confState(), 4).getPeerAddress());

    net.isolate(2);
    net.isolate(3);
    long before = net.node(1).committed();
    net.node(1).node.propose(X);
    net.stabilize();
    assertEquals(net.node(1).lastIndex(), net.node(4).lastIndex(), "the learner has the entry");
    assertEquals(
        before, net.node(1).committed(), "leader + learner are not a majority of {1, 2, 3}");
  }

  /** A learner never campaigns, however long it waits. Ref: thesis §4.2.1. */
  @Test
  void learnerNeverCampaigns() {
    Net net = cluster();
    change(net, 1, learner(4));
    net.isolate(1);
    int sent = net.delivered.size();
    for (int i = 0; i < 100; i++) net.node(4).tick();
    List<io.raftjvm.proto.Message> out = net.node(4).drain();
    assertTrue(
        out.stream().noneMatch(m -> m.getType() == MSG_VOTE || m.getType() == MSG_PRE_VOTE),
        out.toString());
    assertEquals(Role.FOLLOWER, net.node(4).raft().role);
    assertEquals(sent, net.delivered.size());
  }

  /**
   * A candidate counts only the voters of its configuration: a learner's grant does not make it
   * win.
   */
  @Test
  void learnerGrantsDoNotElect() {
    Net net = cluster();
    change(net, 1, learner(4));
    TestNode n2 = net.node(2);
    n2.node.campaign();
    n2.drain();
    long t = n2.raft().term + 1;
    n2.step(Msgs.preVoteResp(4, 2, t, false));
    n2.drain();
    assertEquals(
        Role.PRE_CANDIDATE, n2.raft().role, "self + learner is not a majority of {1, 2, 3}");
  }

  /** A learner is promoted only once caught up; then it counts. Ref: thesis §4.2.1. */
  @Test
  void promotionWaitsForTheLearnerToCatchUp() {
    Net net = cluster();
    change(net, 1, learner(4));
    net.isolate(4);
    for (int i = 0; i < 3; i++) net.node(1).node.propose(X);
    net.stabilize();
    ConfChangeRejectedException e =
        assertThrows(
            ConfChangeRejectedException.class,
            () -> net.node(1).node.proposeConfChange(ConfChanges.promote(4)));
    assertTrue(e.retryable());
    assertTrue(e.getMessage().contains("learner 4 is not caught up"), e.getMessage());

    net.heal(4);
    net.tickAll();
    change(net, 1, ConfChanges.promote(4));
    assertEquals(List.of(1L, 2L, 3L, 4L), voters(net, 1));
    assertEquals(List.of(), learners(net, 4));
    net.isolate(2);
    net.isolate(3);
    long before = net.node(1).committed();
    net.node(1).node.propose(X);
    net.stabilize();
    assertEquals(before, net.node(1).committed(), "two of four voters are not a majority");
    net.heal(3);
    net.tickAll();
    assertTrue(net.node(1).committed() > before, "1, 3 and 4 are");
  }

  /**
   * At most one change pending: a second is refused until the first is applied. Ref: thesis §4.1.
   */
  @Test
  void oneChangeAtATime() {
    Net net = cluster();
    net.node(1).node.proposeConfChange(learner(4));
    ConfChangeRejectedException e =
        assertThrows(
            ConfChangeRejectedException.class,
            () -> net.node(1).node.proposeConfChange(learner(5)));
    assertTrue(e.retryable());
    assertTrue(e.getMessage().contains("still pending"), e.getMessage());
    net.stabilize();
    change(net, 1, learner(5));
    assertEquals(List.of(4L, 5L), learners(net, 1));
  }

  /**
   * A new leader accepts no change before an entry of its own term commits (thesis §4.1, the fix to
   * single-server changes): otherwise a change it appends could overlap one a previous leader
   * appended to a different configuration.
   */
  @Test
  void newLeaderFirstCommitsAnEntryOfItsTerm() {
    Net net = cluster(false);
    net.isolate(1);
    net.dropIf(m -> m.getType() == MSG_APPEND_RESPONSE && m.getTo() == 2);
    net.campaign(2);
    assertEquals(2, net.leader());
    ConfChangeRejectedException e =
        assertThrows(
            ConfChangeRejectedException.class,
            () -> net.node(2).node.proposeConfChange(learner(4)));
    assertTrue(e.retryable());
    assertTrue(
        e.getMessage().contains("has not yet committed an entry of its term"), e.getMessage());
    net.clearDrops();
    net.tickAll();
    change(net, 2, learner(4));
    assertEquals(List.of(4L), learners(net, 2));
  }

  @Test
  void invalidChangesAreRefusedWithTheReason() {
    Net net = cluster();
    change(net, 1, learner(4));
    assertRefused(net, learner(2), "node 2 is already a voter");
    assertRefused(net, learner(4), "node 4 is already a learner");
    assertRefused(net, ConfChanges.promote(3), "node 3 is already a voter");
    assertRefused(net, ConfChanges.promote(5), "node 5 is not a learner");
    assertRefused(net, ConfChanges.remove(9), "node 9 is not a member");
    assertRefused(net, ConfChanges.remove(0), "node id must be positive");
    assertRefused(
        net,
        ConfChange.newBuilder().setType(ConfChangeType.CONF_INITIAL).build(),
        "initial configuration");
    assertRefused(
        net,
        ConfChange.newBuilder()
            .setType(ConfChangeType.CONF_FORCE_NEW)
            .setInitial(ConfState.newBuilder().addVoters(1))
            .build(),
        "written offline by raft-admin recover");
    assertThrows(NotLeaderException.class, () -> net.node(2).node.proposeConfChange(learner(5)));

    Net single = Net.of(b -> {}, 1);
    single.campaign(1);
    ConfChangeRejectedException e =
        assertThrows(
            ConfChangeRejectedException.class,
            () -> single.node(1).node.proposeConfChange(ConfChanges.remove(1)));
    assertTrue(e.getMessage().contains("last voter"), e.getMessage());
  }

  /**
   * Disaster recovery (beyond the thesis: etcd's force-new-cluster): a survivor's log ends with a
   * forced configuration entry at a new term naming only itself, and its hard state counts it
   * committed. The configuration it names replaces the old one wholesale; the entries before it,
   * the one the old cluster never committed included, are committed and applied; the survivor
   * elects itself alone and commits; a server added afterwards receives the whole log and ends in
   * the same configuration.
   */
  @Test
  void aForcedConfigurationReplacesTheOldOneAndCommitsEverythingBeforeIt() {
    ConfState founding = ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(3).build();
    ConfState alone = ConfState.newBuilder().addVoters(1).build();
    List<io.raftjvm.proto.Entry> log =
        List.of(
            ConfChanges.initialEntry(founding),
            Logs.entry(2, 1, "committed"),
            Logs.entry(3, 2, "never known committed"),
            ConfChanges.forcedEntry(4, 3, alone));
    Net net = new Net();
    net.add(TestNode.builder(1).voters().log(log).hard(3, 0, 4).build());
    net.add(TestNode.builder(4).voters().build());
    TestNode survivor = net.node(1);
    assertEquals(List.of(1L), voters(net, 1));
    assertEquals(4, survivor.committed());

    net.campaign(1);
    assertEquals(1, net.leader(), "a single voter elects itself");
    assertEquals(4, survivor.raft().term, "at the term after the forced entry's");
    EntryId x = survivor.node.propose(X);
    net.stabilize();
    assertEquals(x.index(), survivor.committed(), "committed by itself alone");

    change(net, 1, learner(4));
    assertEquals(survivor.lastIndex(), net.node(4).lastIndex(), "the new server caught up");
    assertEquals(Logs.termsOf(survivor.node), Logs.termsOf(net.node(4).node));
    assertEquals(List.of(1L), voters(net, 4), "it ends in the forced configuration");
    assertEquals(List.of(4L), learners(net, 4));
    change(net, 1, ConfChanges.promote(4));
    assertEquals(List.of(1L, 4L), voters(net, 1));
    EntryId y = survivor.node.propose(X);
    net.stabilize();
    assertEquals(y.index(), net.node(4).committed(), "the two voters commit together");
  }

  private static void assertRefused(Net net, ConfChange cc, String reason) {
    ConfChangeRejectedException e =
        assertThrows(
            ConfChangeRejectedException.class, () -> net.node(1).node.proposeConfChange(cc));
    assertFalse(e.retryable(), e.getMessage());
    assertTrue(e.getMessage().contains(reason), e.getMessage() + " should say " + reason);
  }

  /** Servers switch on append, before the entry commits. Ref: thesis §4.1. */
  @Test
  void followersSwitchWhenTheEntryIsAppended() {
    Net net = cluster();
    net.dropIf(m -> m.getType() == MSG_APPEND_RESPONSE && m.getTo() == 1);
    EntryId at = net.node(1).node.proposeConfChange(ConfChanges.remove(3));
    net.stabilize();
    assertTrue(net.node(2).committed() < at.index(), "not committed yet");
    assertEquals(List.of(1L, 2L), voters(net, 2));
    assertEquals(List.of(1L, 2L), voters(net, 1));
  }

  /** An uncommitted configuration that a new leader overwrites is undone. Ref: thesis §4.1. */
  @Test
  void truncationRollsTheConfigurationBack() {
    Net net = cluster(false);
    net.isolate(1);
    net.node(1).node.proposeConfChange(ConfChanges.remove(3));
    net.stabilize();
    assertEquals(List.of(1L, 2L), voters(net, 1));
    net.campaign(2);
    assertEquals(2, net.leader());
    net.node(2).node.propose(X);
    net.stabilize();
    net.heal(1);
    net.tickAll();
    net.tickAll();
    assertEquals(List.of(1L, 2L, 3L), voters(net, 1), "the overwritten removal is undone");
    assertEquals(net.node(2).lastIndex(), net.node(1).lastIndex());
  }

  /**
   * A leader that removes itself keeps leading, without counting itself, until the change commits;
   * then it steps down and hands over at once. Ref: thesis §4.2.2.
   */
  @Test
  void leaderRemovingItselfStepsDownOnceTheChangeCommits() {
    Net net = cluster();
    net.isolate(3);
    net.dropIf(m -> m.getType() == MSG_APPEND_RESPONSE && m.getFrom() == 2);
    EntryId at = net.node(1).node.proposeConfChange(ConfChanges.remove(1));
    net.stabilize();
    assertEquals(
        Role.LEADER, net.node(1).raft().role, "still leading while the change is uncommitted");
    assertTrue(net.node(1).committed() < at.index(), "its own copy does not count in {2, 3}");
    net.clearDrops();
    net.heal(3);
    net.tickAll();
    assertTrue(net.node(1).committed() >= at.index());
    assertNotEquals(Role.LEADER, net.node(1).raft().role);
    assertTrue(
        net.delivered.stream().anyMatch(m -> m.getType() == MSG_TIMEOUT_NOW && m.getFrom() == 1));
    long lead = net.leader();
    assertTrue(lead == 2 || lead == 3, "a remaining voter leads at once: " + lead);
    net.node(lead).node.propose(X);
    net.stabilize();
    assertEquals(List.of(2L, 3L), voters(net, lead));

    // The removed server never campaigns.
    for (int i = 0; i < 50; i++) net.node(1).tick();
    assertTrue(
        net.node(1).drain().stream()
            .noneMatch(m -> m.getType() == MSG_VOTE || m.getType() == MSG_PRE_VOTE));
  }

  /**
   * A server removed while cut off never learns it; when it returns, its elections do not depose
   * the leader (PreVote, and voters ignore vote requests while they hear from a leader). Ref:
   * thesis §4.2.3.
   */
  @Test
  void removedServerDoesNotDisruptTheCluster() {
    Net net = cluster();
    net.isolate(3);
    change(net, 1, ConfChanges.remove(3));
    assertEquals(List.of(1L, 2L, 3L), voters(net, 3), "3 missed its removal");
    long term = net.node(1).raft().term;
    net.heal(3);
    for (int i = 0; i < 60; i++) net.tickAll();
    assertEquals(1, net.leader());
    assertEquals(term, net.node(1).raft().term, "the leader's term was not disturbed");
    assertEquals(term, net.node(2).raft().term);
  }

  /** The configuration is rebuilt from the log after a restart, including an uncommitted change. */
  @Test
  void configurationSurvivesRestart() {
    Net net = cluster();
    change(net, 1, learner(4));
    net.tickAll();
    change(net, 1, ConfChanges.promote(4));
    net.isolate(2);
    net.isolate(3);
    net.isolate(4);
    net.node(1).node.proposeConfChange(ConfChanges.remove(2)); // stays uncommitted
    net.stabilize();
    for (long id = 1; id <= 4; id++) {
      ConfState before = net.node(id).node.confState();
      net.crash(id);
      net.restart(id);
      assertEquals(before, net.node(id).node.confState(), "node " + id);
    }
    assertEquals(List.of(1L, 3L, 4L), voters(net, 1));
    assertEquals(List.of(1L, 2L, 3L, 4L), voters(net, 2));
  }

  /**
   * The leader hands leadership only to voters, and a transfer to a server being removed is
   * abandoned.
   */
  @Test
  void transferToALearnerIsRefused() {
    Net net = cluster();
    change(net, 1, learner(4));
    assertThrows(IllegalArgumentException.class, () -> net.node(1).node.transferLeadership(4));
  }
}
