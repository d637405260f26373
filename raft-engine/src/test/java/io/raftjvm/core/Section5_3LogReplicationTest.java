package io.raftjvm.core;

import static io.raftjvm.proto.MessageType.MSG_APPEND;
import static io.raftjvm.proto.MessageType.MSG_APPEND_RESPONSE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.core.tracker.Progress;
import io.raftjvm.core.tracker.ProgressState;
import io.raftjvm.proto.Message;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("§5.3 Log replication")
class Section5_3LogReplicationTest {
  static final ByteString X = ByteString.copyFromUtf8("x");

  /** Serialized size of a one-byte command entry at term 1 (any index below 128). */
  static final long ENTRY_SIZE = Logs.entry(2, 1, "x").getSerializedSize();

  /** Leader 1 of {1,2,3} at term 1, log [1] (its no-op) committed, both followers in REPLICATE. */
  static TestNode replicatingLeader(Consumer<TestNode.Builder> tweak) {
    TestNode.Builder b = TestNode.builder(1);
    tweak.accept(b);
    TestNode n = b.build();
    n.elect(2);
    n.ackAll(2, 3);
    assertEquals(ProgressState.REPLICATE, n.raft().tracker.get(2).state());
    assertEquals(1, n.committed());
    return n;
  }

  static List<Message> appendsTo(List<Message> ms, long to) {
    return Msgs.ofType(ms, MSG_APPEND, to);
  }

  /** The leader appends a command to its log and sends it to every follower. Ref: §5.3. */
  @Test
  void leaderAppendsOnProposeAndSendsToFollowers() {
    TestNode n = replicatingLeader(b -> {});
    EntryId id = n.node.propose(X);
    assertEquals(new EntryId(1, 2), id);
    Ready rd = n.node.ready();
    assertEquals(List.of(Logs.entry(2, 1, "x")), rd.toPersist());
    for (long f : new long[] {2, 3}) {
      Message app = Msgs.only(rd.sendNow(), MSG_APPEND, f);
      assertEquals(1, app.getIndex());
      assertEquals(1, app.getLogTerm());
      assertEquals(1, app.getCommit());
      assertEquals(List.of(Logs.entry(2, 1, "x")), app.getEntriesList());
    }
    TestNode follower = TestNode.builder(2).build();
    follower.step(Msgs.hb(1, 2, 1, 0));
    NotLeaderException e = assertThrows(NotLeaderException.class, () -> follower.node.propose(X));
    assertEquals(1, e.leaderHint());
  }

  /**
   * An entry is committed once the leader has replicated it on a majority, the leader's own copy
   * counting only once durable. Ref: §5.3, thesis §10.2.1.
   */
  @Test
  void leaderCommitsAfterMajorityAck() {
    TestNode n = replicatingLeader(b -> {});
    n.node.propose(X);
    Ready rd = n.node.ready();
    n.step(Msgs.appResp(2, 1, 1, 2));
    assertEquals(1, n.committed(), "the leader's own copy is not durable yet");
    n.persist(rd);
    assertEquals(2, n.committed());
    n.processReady();
    assertEquals(List.of(Logs.entry(2, 1, "x")), n.lastReady().toApply());

    n.node.propose(X);
    n.drain();
    assertEquals(2, n.committed(), "1 of 3 is no majority");
    n.step(Msgs.appResp(3, 1, 1, 3));
    assertEquals(3, n.committed());
  }

  /**
   * The follower appends and acknowledges index = prevLogIndex + number of entries. Ref: §5.3,
   * Figure 2.
   */
  @Test
  void followerAppendsAndAcksPrevIndexPlusEntries() {
    TestNode f = TestNode.builder(2).log(1).hard(1, 0, 1).build();
    f.step(Msgs.app(1, 2, 1, 1, 1, 1, Logs.from(2, 1, 1)));
    Message resp = Msgs.only(f.drain(), MSG_APPEND_RESPONSE, 1);
    assertFalse(resp.getReject());
    assertEquals(3, resp.getIndex());
    assertEquals(Logs.list(1, 1, 1), f.logTerms());
    assertEquals(Logs.list(1, 1, 1), Logs.termsOf(f.storage.entries(1, 4, Long.MAX_VALUE)));
  }

  /**
   * A follower's own extra entries are not vouched for: the ack covers only what the append
   * verified (prevIndex + entries), never the follower's lastIndex. Ref: §5.3.
   */
  @Test
  void ackCoversOnlyWhatTheAppendVerified() {
    TestNode f = TestNode.builder(2).log(1, 1, 1, 1, 1).hard(1, 0, 0).build();
    f.step(Msgs.app(1, 2, 1, 1, 1, 0, Logs.from(2, 1)));
    assertEquals(2, Msgs.only(f.drain(), MSG_APPEND_RESPONSE, 1).getIndex());
    f.step(Msgs.app(1, 2, 1, 3, 1, 0, List.of()));
    assertEquals(3, Msgs.only(f.drain(), MSG_APPEND_RESPONSE, 1).getIndex());
  }

  /**
   * Consistency check: a follower without an entry at prevLogIndex refuses, hinting its last index.
   * Ref: §5.3.
   */
  @Test
  void followerWithShorterLogRejects() {
    TestNode f = TestNode.builder(2).log(1, 1).hard(1, 0, 0).build();
    f.step(Msgs.app(1, 2, 1, 5, 1, 0, Logs.from(6, 1)));
    Message resp = Msgs.only(f.drain(), MSG_APPEND_RESPONSE, 1);
    assertTrue(resp.getReject());
    assertEquals(5, resp.getIndex());
    assertEquals(2, resp.getRejectHint());
    assertEquals(1, resp.getLogTerm());
    assertEquals(Logs.list(1, 1), f.logTerms());
  }

  /**
   * A delayed or duplicated append whose entries the follower already has must not truncate the
   * entries after them, nor rewrite anything on disk: the leader may already count them (here it
   * then sends commit 4 on a heartbeat, which a truncated follower could not even hold). Ref: §5.3.
   */
  @Test
  void staleOrDuplicatedAppendNeverTruncatesMatchingEntries() {
    TestNode f = TestNode.builder(2).log(1, 1, 1, 1).hard(1, 0, 1).build();
    f.step(Msgs.app(1, 2, 1, 1, 1, 1, Logs.from(2, 1)));
    List<Message> out = new ArrayList<>(f.drain());
    assertEquals(Logs.list(1, 1, 1, 1), f.logTerms(), "a stale append truncated matching entries");
    f.step(Msgs.hb(1, 2, 1, 4));
    assertEquals(4, f.committed());
    f.step(Msgs.app(1, 2, 1, 2, 1, 4, Logs.from(3, 1, 1)));
    f.step(Msgs.app(1, 2, 1, 3, 1, 4, Logs.from(4, 1)));
    out.addAll(f.drain());
    assertEquals(Logs.list(1, 1, 1, 1), f.logTerms());
    assertEquals(Logs.list(1, 1, 1, 1), Logs.termsOf(f.storage.entries(1, 5, Long.MAX_VALUE)));
    assertTrue(
        f.readies.stream().allMatch(r -> r.toPersist().isEmpty()), "nothing needed rewriting");
    assertEquals(
        List.of(2L, 4L, 4L),
        Msgs.ofType(out, MSG_APPEND_RESPONSE).stream().map(Message::getIndex).toList());
  }

  /**
   * "If an existing entry conflicts with a new one, delete the existing entry and all that follow
   * it." Ref: §5.3.
   */
  @Test
  void followerTruncatesOnlyAtTheFirstRealConflict() {
    TestNode f = TestNode.builder(2).log(1, 1, 1, 1).hard(1, 0, 1).build();
    f.step(Msgs.app(1, 2, 2, 1, 1, 1, Logs.from(2, 1, 2)));
    f.drain();
    assertEquals(Logs.list(1, 1, 2), f.logTerms());
    assertEquals(
        List.of(Logs.entry(3, 2)),
        f.readies.get(0).toPersist(),
        "only the conflicting suffix is rewritten");
    assertEquals(Logs.list(1, 1, 2), Logs.termsOf(f.storage.entries(1, 4, Long.MAX_VALUE)));
  }

  static final long[] LEADER_7 = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};

  static Stream<Arguments> figure7() {
    return Stream.of(
        Arguments.of("a", new long[] {1, 1, 1, 4, 4, 5, 5, 6, 6}, 2),
        Arguments.of("b", new long[] {1, 1, 1, 4}, 2),
        Arguments.of("c", new long[] {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6}, 1),
        Arguments.of("d", new long[] {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7}, 1),
        Arguments.of("e", new long[] {1, 1, 1, 4, 4, 4, 4}, 2),
        Arguments.of("f", new long[] {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}, 2));
  }

  /**
   * Node 1 (leaderLog, hard term = its last log term + 1) campaigns and wins one term later (for
   * Figure 7: term 8); node 3 (empty log) supplies the vote a follower like (d) refuses. Runs the
   * network to quiescence and returns the APPENDs 1→2 delivered up to the first one node 2
   * accepted, i.e. the append round trips until its log matches.
   */
  static int roundTripsToConverge(long[] leaderLog, long[] followerLog) {
    Net net =
        new Net()
            .add(
                TestNode.builder(1)
                    .log(leaderLog)
                    .hard(leaderLog[leaderLog.length - 1] + 1, 0, 0)
                    .build())
            .add(
                TestNode.builder(2)
                    .log(followerLog)
                    .hard(followerLog[followerLog.length - 1], 0, 0)
                    .build())
            .add(TestNode.builder(3).hard(0, 0, 0).build());
    net.campaign(1);
    assertEquals(1, net.leader());
    int appends = 0;
    for (Message m : net.delivered) {
      if (m.getType() == MSG_APPEND && m.getFrom() == 1 && m.getTo() == 2) appends++;
      if (m.getType() == MSG_APPEND_RESPONSE && m.getFrom() == 2 && !m.getReject()) break;
    }
    List<Long> want = net.node(1).logTerms();
    assertEquals(want, net.node(2).logTerms(), "follower 2 does not hold the leader's log");
    assertEquals(
        want, Logs.termsOf(net.node(2).storage.entries(1, want.size() + 1, Long.MAX_VALUE)));
    assertEquals(want.size(), net.node(2).committed());
    return appends;
  }

  /** Terms in follower's entries after the longest prefix it shares with leader. */
  static long distinctDivergentTerms(long[] leader, long[] follower) {
    int common = 0;
    while (common < Math.min(leader.length, follower.length) && leader[common] == follower[common])
      common++;
    return Arrays.stream(follower, common, follower.length).distinct().count();
  }

  /**
   * Figure 7: whatever the follower holds (missing entries a, b; extra uncommitted entries c, d;
   * both e, f), once the term-8 leader replicates, its log is identical to the leader's
   * ([1,1,1,4,4,5,5,6,6,6] plus the term-8 no-op). Fast backtracking costs round trips per
   * differing term, not per entry. Bound asserted: appends ≤ 1 + (distinct terms in the follower's
   * suffix after the common prefix) + (1 if the follower is shorter than the leader's log). The
   * exact measured count is asserted too. Ref: §5.3, Figure 7.
   */
  @ParameterizedTest(name = "Figure 7 ({0}) converges in {2} round trip(s)")
  @MethodSource("figure7")
  void figure7FollowerConvergesToLeaderLog(String name, long[] follower, int measured) {
    int appends = roundTripsToConverge(LEADER_7, follower);
    long bound =
        1
            + distinctDivergentTerms(LEADER_7, follower)
            + (follower.length < LEADER_7.length ? 1 : 0);
    assertTrue(appends <= bound, "case " + name + ": " + appends + " appends > bound " + bound);
    assertEquals(measured, appends, "case " + name);
  }

  /**
   * 400 divergent entries in two terms cost two round trips: proportional to terms, not entries
   * (per-entry backtracking would need 51). Ref: §5.3 ("the leader can decrement nextIndex to
   * bypass all of the conflicting entries in that term").
   */
  @Test
  void divergenceCostsRoundTripsPerTermNotPerEntry() {
    long[] leader = Logs.concat(new long[] {1, 1, 1}, Logs.repeat(50, 4));
    long[] follower = Logs.concat(new long[] {1, 1, 1}, Logs.repeat(200, 2), Logs.repeat(200, 3));
    int appends = roundTripsToConverge(leader, follower);
    assertTrue(appends <= 1 + 2, "appends " + appends);
    assertEquals(2, appends);
  }

  /**
   * PROBE: one append in flight until it is answered; an answer switches to REPLICATE. Ref: §5.3
   * (nextIndex probing).
   */
  @Test
  void probeSendsAtMostOneAppendUntilAnswered() {
    TestNode n = TestNode.builder(1).build();
    n.elect(2); // no-op at 1 sent to 2 and 3 as probes
    for (int i = 0; i < 3; i++) {
      n.node.propose(X);
      List<Message> out = n.drain();
      assertEquals(List.of(), Msgs.ofType(out, MSG_APPEND), "probe still unanswered, round " + i);
    }
    Progress p2 = n.raft().tracker.get(2);
    assertEquals(ProgressState.PROBE, p2.state());
    assertTrue(p2.isPaused());

    n.step(Msgs.appResp(2, 1, 1, 1));
    assertEquals(ProgressState.REPLICATE, p2.state());
    List<Message> out = n.drain();
    Message app = Msgs.only(out, MSG_APPEND, 2);
    assertEquals(1, app.getIndex());
    assertEquals(3, app.getEntriesCount());
    assertEquals(List.of(), appendsTo(out, 3), "3 is still probing");
  }

  /** A rejected probe moves next back to the hint and sends exactly one new probe. Ref: §5.3. */
  @Test
  void rejectedProbeBacksOffAndReprobes() {
    TestNode n = TestNode.builder(1).log(1, 1, 1, 1).hard(1, 0, 0).build();
    n.elect(2); // term 2, next = 5 for both
    n.step(Msgs.appReject(3, 1, 2, 4, 2, 1));
    assertEquals(3, n.raft().tracker.get(3).next());
    Message probe = Msgs.only(n.drain(), MSG_APPEND, 3);
    assertEquals(2, probe.getIndex());
    assertEquals(3, probe.getEntriesCount());
    n.step(Msgs.appReject(3, 1, 2, 4, 2, 1));
    assertEquals(List.of(), n.drain(), "a stale rejection changes nothing");
  }

  /**
   * A heartbeat answer re-enables a stuck probe and, when the follower is behind, the leader
   * resends; an up-to-date follower gets no append. Ref: §5.3 ("the leader retries AppendEntries
   * indefinitely").
   */
  @Test
  void heartbeatResponseResumesAProbeWhenBehind() {
    TestNode n = TestNode.builder(1).build();
    n.elect(2);
    n.ackAll(2);
    n.node.propose(X);
    n.drain();
    assertTrue(n.raft().tracker.get(3).isPaused());
    for (int i = 0; i < 2; i++) {
      n.step(Msgs.hbResp(3, 1, 1));
      Message resend = Msgs.only(n.drain(), MSG_APPEND, 3);
      assertEquals(0, resend.getIndex());
      assertEquals(2, resend.getEntriesCount());
    }
    n.step(Msgs.appResp(2, 1, 1, 2));
    n.drain();
    n.step(Msgs.hbResp(2, 1, 1));
    assertEquals(List.of(), appendsTo(n.drain(), 2), "2 has everything");
  }

  /**
   * REPLICATE pipelines appends, at most maxInflightMsgs unacknowledged. Ref: §5.3, thesis §10.2.1.
   */
  @Test
  void replicatePipelineIsBoundedByMaxInflightMsgs() {
    TestNode n = replicatingLeader(b -> b.maxInflightMsgs(3).maxSizePerMsg(1));
    for (int i = 0; i < 5; i++) n.node.propose(X);
    List<Message> to2 = appendsTo(n.drain(), 2);
    assertEquals(List.of(1L, 2L, 3L), to2.stream().map(Message::getIndex).toList());
    assertTrue(to2.stream().allMatch(m -> m.getEntriesCount() == 1));
    assertTrue(n.raft().tracker.get(2).isPaused());

    n.step(Msgs.appResp(2, 1, 1, 2));
    assertEquals(List.of(4L), appendsTo(n.drain(), 2).stream().map(Message::getIndex).toList());
    n.step(Msgs.appResp(2, 1, 1, 5));
    assertEquals(List.of(5L), appendsTo(n.drain(), 2).stream().map(Message::getIndex).toList());
  }

  /** REPLICATE pipelining is also capped by the bytes in flight. Ref: thesis §10.2.1. */
  @Test
  void replicatePipelineIsBoundedByMaxInflightBytes() {
    TestNode n = replicatingLeader(b -> b.maxInflightBytes(2 * ENTRY_SIZE).maxSizePerMsg(1));
    for (int i = 0; i < 5; i++) n.node.propose(X);
    List<Message> to2 = appendsTo(n.drain(), 2);
    assertEquals(2, to2.size());
    assertEquals(2 * ENTRY_SIZE, n.raft().tracker.get(2).inflights().bytes());
    n.step(Msgs.appResp(2, 1, 1, 2));
    assertEquals(1, appendsTo(n.drain(), 2).size());
  }

  /** Acks may arrive late, twice or out of order: match never moves back. Ref: §5.3. */
  @Test
  void outOfOrderAndDuplicateAcksKeepMatchMonotonic() {
    TestNode n = replicatingLeader(b -> b.maxSizePerMsg(1));
    for (int i = 0; i < 3; i++) n.node.propose(X);
    n.drain();
    Progress p = n.raft().tracker.get(2);
    assertEquals(5, p.next());
    n.step(Msgs.appResp(2, 1, 1, 4));
    n.drain();
    for (long stale : new long[] {2, 3, 4, 1}) {
      n.step(Msgs.appResp(2, 1, 1, stale));
      assertEquals(4, p.match(), "ack " + stale);
      assertEquals(5, p.next());
      assertEquals(List.of(), n.drain(), "stale ack " + stale + " sent something");
    }
    assertEquals(4, n.committed());
  }

  /**
   * Proposals made between two Readies go out as one append per follower. Ref: §5.3, thesis
   * §10.2.1.
   */
  @Test
  void proposalsBetweenReadiesAreBatchedIntoOneAppend() {
    TestNode n = replicatingLeader(b -> {});
    for (int i = 0; i < 5; i++) n.node.propose(X);
    List<Message> out = n.drain();
    for (long f : new long[] {2, 3}) {
      Message app = Msgs.only(out, MSG_APPEND, f);
      assertEquals(1, app.getIndex());
      assertEquals(5, app.getEntriesCount());
    }
  }

  /** maxSizePerMsg splits a batch into consecutive appends. Ref: thesis §10.2.1. */
  @Test
  void maxSizePerMsgSplitsABatch() {
    TestNode n = replicatingLeader(b -> b.maxSizePerMsg(2 * ENTRY_SIZE));
    for (int i = 0; i < 5; i++) n.node.propose(X);
    List<Message> to2 = appendsTo(n.drain(), 2);
    assertEquals(List.of(2, 2, 1), to2.stream().map(Message::getEntriesCount).toList());
    assertEquals(List.of(1L, 3L, 5L), to2.stream().map(Message::getIndex).toList());
  }

  /** Transport feedback sends a REPLICATE follower back to PROBE from match + 1. Ref: §5.3. */
  @Test
  void reportUnreachableMovesReplicateToProbe() {
    TestNode n = replicatingLeader(b -> {});
    n.node.propose(X);
    n.drain();
    Progress p = n.raft().tracker.get(2);
    assertEquals(3, p.next());
    n.node.reportUnreachable(2);
    assertEquals(ProgressState.PROBE, p.state());
    assertEquals(2, p.next());
    n.node.propose(X);
    n.node.propose(X);
    Message probe = Msgs.only(n.drain(), MSG_APPEND, 2);
    assertEquals(1, probe.getIndex());
    n.node.propose(X);
    assertEquals(List.of(), appendsTo(n.drain(), 2), "one probe at a time");
  }
}
