package io.raftjvm.core;

import static io.raftjvm.proto.MessageType.MSG_APPEND;
import static io.raftjvm.proto.MessageType.MSG_PRE_VOTE_RESPONSE;
import static io.raftjvm.proto.MessageType.MSG_VOTE_RESPONSE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import io.raftjvm.proto.Message;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("§5.4 Safety: election restriction, committing entries from previous terms")
class Section5_4SafetyTest {

  /**
   * §5.4.1 election restriction, table-driven, for votes and pre-votes alike. The voter's log is
   * [1,1,2] (last term 2, last index 3). "If the logs have last entries with different terms, then
   * the log with the later term is more up-to-date. If the logs end with the same term, then
   * whichever log is longer is more up-to-date." Ref: §5.4.1.
   */
  @ParameterizedTest(name = "candidate last term {0}, last index {1}: grant={2} (preVote={3})")
  @CsvSource({
    "1, 5, false, false",
    "1, 3, false, false",
    "0, 0, false, false",
    "2, 2, false, false",
    "2, 3, true, false",
    "2, 4, true, false",
    "3, 1, true, false",
    "3, 9, true, false",
    "1, 5, false, true",
    "2, 2, false, true",
    "2, 3, true, true",
    "3, 1, true, true"
  })
  void electionRestriction(long lastTerm, long lastIndex, boolean grant, boolean pre) {
    TestNode voter = TestNode.builder(1).log(1, 1, 2).hard(2, 0, 0).preVote(pre).build();
    voter.step(
        pre ? Msgs.preVote(2, 1, 3, lastIndex, lastTerm) : Msgs.vote(2, 1, 3, lastIndex, lastTerm));
    Message resp = Msgs.only(voter.drain(), pre ? MSG_PRE_VOTE_RESPONSE : MSG_VOTE_RESPONSE, 2);
    assertEquals(!grant, resp.getReject());
    assertEquals(grant && !pre ? 2 : Raft.NONE, voter.raft().vote);
  }

  /**
   * §5.4.2: "Raft never commits log entries from previous terms by counting replicas." An entry of
   * term 2 on every server stays uncommitted under the term-3 leader until an entry of term 3
   * commits, which commits it indirectly. Ref: §5.4.2, Figure 8.
   */
  @Test
  void leaderCommitsPreviousTermEntryOnlyIndirectly() {
    TestNode n = TestNode.builder(1).voters(1, 2, 3, 4, 5).log(1, 2).hard(2, 0, 1).build();
    n.elect(2, 3);
    assertEquals(3, n.raft().term);
    for (long f = 2; f <= 5; f++) n.step(Msgs.appResp(f, 1, 3, 2));
    n.drain();
    assertEquals(2, n.raft().tracker.committed(), "index 2 is on all five servers");
    assertEquals(1, n.committed(), "but it is of term 2: not committed by counting");
    assertEquals(1, n.storage.hardState().getCommit());

    n.step(Msgs.appResp(2, 1, 3, 3));
    assertEquals(1, n.committed(), "index 3 on 2 of 5");
    n.step(Msgs.appResp(3, 1, 3, 3));
    assertEquals(3, n.committed());
    n.drain();
    List<Entry> applied = new ArrayList<>();
    n.readies.forEach(r -> applied.addAll(r.toApply()));
    assertEquals(List.of(1L, 2L, 3L), applied.stream().map(Entry::getIndex).toList());
    assertEquals(Logs.list(1, 2, 3), Logs.termsOf(applied));
  }

  /**
   * A new leader appends an empty entry of its term at once, and replicates it. Ref: §5.4.2, thesis
   * §6.4.
   */
  @Test
  void newLeaderAppendsAnEmptyEntry() {
    TestNode n = TestNode.builder(1).log(1, 1).hard(1, 0, 0).build();
    List<Message> out = n.elect(2);
    assertEquals(3, n.lastIndex());
    Entry noop = n.node.entries(3, 4).get(0);
    assertEquals(2, noop.getTerm());
    assertEquals(EntryType.ENTRY_NORMAL, noop.getType());
    assertTrue(noop.getData().isEmpty());
    assertTrue(n.readies.stream().anyMatch(r -> r.toPersist().contains(noop)));
    for (long f : new long[] {2, 3})
      assertEquals(List.of(noop), Msgs.only(out, MSG_APPEND, f).getEntriesList());
  }

  /**
   * "If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last new entry)":
   * entries the append did not verify must not be committed, even if the follower holds them. The
   * commit index never moves back. Ref: §5.3, §5.4, Figure 2.
   */
  @Test
  void followerCommitIsMinOfLeaderCommitAndLastVerifiedIndex() {
    TestNode f = TestNode.builder(2).log(1, 1, 1, 1, 1).hard(1, 0, 0).build();
    f.step(Msgs.app(1, 2, 1, 2, 1, 5, List.of()));
    assertEquals(2, f.committed());
    f.step(Msgs.app(1, 2, 1, 2, 1, 5, Logs.from(3, 1)));
    assertEquals(3, f.committed());
    f.step(Msgs.app(1, 2, 1, 5, 1, 4, List.of()));
    assertEquals(4, f.committed());
    f.step(Msgs.app(1, 2, 1, 5, 1, 2, List.of()));
    assertEquals(4, f.committed(), "commit never decreases");
    f.drain();
    assertEquals(4, f.storage.hardState().getCommit());
  }

  // ---------------------------------------------------------------- Figure 8

  static boolean leaderTraffic(Message m) {
    return Msgs.isLeaderTraffic(m.getType());
  }

  static void assertLog(Net net, long id, long... terms) {
    assertEquals(Logs.list(terms), net.node(id).logTerms(), "log of S" + id);
  }

  /**
   * Figure 8 (a) to (c), five servers that all hold [1] committed, one entry per append. A new
   * leader's own entry here is its no-op, which plays the role of the paper's client entries. (a)
   * S1 leads term 2 and replicates index 2 only to S2. (b) S1 crashes; S5 wins term 3 with S3, S4
   * and itself, appends index 2 (term 3) and crashes before sending it. (c) S1 restarts, wins term
   * 4 and replicates index 2 to S3: it is now on a majority, yet not committed. Its term-4 entry
   * reaches S2 only (unlike the paper, where it stays on S1).
   */
  static Net figure8UpToC() {
    Net net = Net.of(b -> b.log(1).hard(1, 0, 1).maxSizePerMsg(1), 1, 2, 3, 4, 5);

    net.dropIf(m -> m.getFrom() == 1 && leaderTraffic(m) && m.getTo() >= 3);
    net.campaign(1);
    assertEquals(1, net.leader());
    assertEquals(2, net.node(1).raft().term);
    assertLog(net, 1, 1, 2);
    assertLog(net, 2, 1, 2);
    for (long s = 3; s <= 5; s++) assertLog(net, s, 1);
    assertEquals(1, net.node(1).committed(), "(a) index 2 is on 2 of 5");

    net.crash(1);
    net.dropIf(m -> m.getFrom() == 5 && leaderTraffic(m));
    net.campaign(5);
    assertEquals(5, net.leader());
    assertEquals(3, net.node(5).raft().term);
    assertLog(net, 5, 1, 3);
    assertEquals(Logs.list(1, 3), Logs.termsOf(net.node(5).storage.entries(1, 3, Long.MAX_VALUE)));
    net.crash(5);

    net.restart(1);
    net.dropIf(
        m ->
            m.getFrom() == 1
                && leaderTraffic(m)
                && (m.getTo() == 4 || (m.getTo() == 3 && net.node(3).lastIndex() >= 2)));
    net.campaign(1);
    assertNotEquals(1, net.leader(), "S3 and S4 voted for S5 in term 3");
    net.campaign(1);
    assertEquals(1, net.leader());
    assertEquals(4, net.node(1).raft().term);
    assertLog(net, 1, 1, 2, 4);
    assertLog(net, 2, 1, 2, 4);
    assertLog(net, 3, 1, 2);
    assertLog(net, 4, 1);
    assertEquals(
        2, net.node(1).raft().tracker.committed(), "(c) the leader knows index 2 is on a majority");
    assertEquals(1, net.node(1).committed(), "(c) but must not commit it: it is of term 2");
    return net;
  }

  /**
   * Figure 8 (d): S1 crashes again; S5 (log [1,3]) wins term 5 with S3 and S4 and overwrites index
   * 2 everywhere. That is safe only because (c) never committed it. Ref: §5.4.2, Figure 8.
   */
  @Test
  void figure8dUncommittedPreviousTermEntryMayBeOverwritten() {
    Net net = figure8UpToC();
    net.crash(1);
    net.clearDrops();
    net.restart(5);
    net.campaign(5);
    assertNotEquals(5, net.leader(), "term 4: everyone already voted for S1");
    net.campaign(5);
    assertEquals(5, net.leader());
    assertEquals(5, net.node(5).raft().term);
    for (long s = 2; s <= 5; s++) {
      assertLog(net, s, 1, 3, 5);
      assertEquals(3, net.node(s).committed(), "S" + s);
    }
    assertEquals(
        1, net.node(1).storage.hardState().getCommit(), "S1 never committed index 2 (term 2)");
  }

  /**
   * Figure 8 (e): if instead S1 gets an entry of its own term onto a majority before crashing,
   * index 2 is committed with it, and S5 can no longer win an election. Ref: §5.4.2, Figure 8.
   */
  @Test
  void figure8eEntryOfCurrentTermCommitsThePreviousOnes() {
    Net net = figure8UpToC();
    net.clearDrops();
    net.node(1).tick(); // heartbeat; S3's answer shows it is behind, and it gets index 3
    net.stabilize();
    assertLog(net, 3, 1, 2, 4);
    assertEquals(3, net.node(1).committed());
    assertEquals(3, net.node(1).storage.hardState().getCommit());

    net.crash(1);
    net.restart(5);
    for (int attempt = 0; attempt < 3; attempt++) {
      net.campaign(5);
      assertNotEquals(
          5, net.leader(), "S5 lacks committed entries yet won (attempt " + attempt + ")");
    }
    for (long s = 2; s <= 3; s++) assertLog(net, s, 1, 2, 4);
  }
}
