package io.raftjvm.core;

import static io.raftjvm.proto.MessageType.MSG_APPEND_RESPONSE;
import static io.raftjvm.proto.MessageType.MSG_HEARTBEAT;
import static io.raftjvm.proto.MessageType.MSG_HEARTBEAT_RESPONSE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.proto.Message;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Thesis §6.4: linearizable reads without writing to the log (ReadIndex). */
@DisplayName("Thesis §6.4 ReadIndex")
class Section6_4ReadIndexTest {
  private static final ByteString X = ByteString.copyFromUtf8("x");

  private static ByteString ctx(int i) {
    return ByteString.copyFromUtf8("read-" + i);
  }

  /** Every ReadState the node handed out so far. */
  private static List<ReadState> reads(TestNode n) {
    List<ReadState> out = new ArrayList<>();
    for (Ready rd : n.readies) out.addAll(rd.readStates());
    return out;
  }

  private static Net cluster() {
    Net net = Net.of(b -> {}, 1, 2, 3);
    net.campaign(1);
    assertEquals(1, net.leader());
    net.node(1).node.propose(X);
    net.stabilize();
    return net;
  }

  /**
   * The leader serves a read at its commit index once a heartbeat round confirms it still leads.
   */
  @Test
  void leaderReadWaitsForAHeartbeatRound() {
    Net net = cluster();
    long commit = net.node(1).committed();
    net.isolate(2);
    net.isolate(3);
    net.node(1).node.readIndex(ctx(1));
    net.stabilize();
    assertEquals(List.of(), reads(net.node(1)), "no majority confirmed leadership");
    net.heal(2);
    net.tickAll(); // the next heartbeat carries the read's context again
    assertEquals(List.of(new ReadState(commit, ctx(1))), reads(net.node(1)));
  }

  /**
   * A follower answers a read round's heartbeat at once, not after the entries it is still writing:
   * the answer promises nothing on its disk, while its append response waits for the sync.
   */
  @Test
  void aFollowerAnswersAHeartbeatWithoutWaitingForItsDisk() {
    TestNode f = TestNode.builder(2).log(1).hard(1, 0, 1).build();
    f.step(Msgs.app(1, 2, 1, 1, 1, 1, Logs.from(2, 1, 1)));
    f.step(Msgs.hb(1, 2, 1, 1).toBuilder().setContext(ctx(1)).build());
    Ready rd = f.node.ready();
    assertFalse(rd.toPersist().isEmpty(), "the entries are not durable yet");
    Message hbResp = Msgs.only(rd.sendNow(), MSG_HEARTBEAT_RESPONSE, 1);
    assertEquals(ctx(1), hbResp.getContext());
    assertEquals(
        List.of(), Msgs.ofType(rd.sendNow(), MSG_APPEND_RESPONSE), "the ack waits for the sync");
    assertEquals(1, Msgs.ofType(rd.sendAfterPersist(), MSG_APPEND_RESPONSE).size());
  }

  /** Reads asked for between two Readies share one heartbeat round. */
  @Test
  void concurrentReadsShareOneRound() {
    Net net = cluster();
    int before = net.delivered.size();
    for (int i = 0; i < 10; i++) net.node(1).node.readIndex(ctx(i));
    net.stabilize();
    long heartbeats =
        net.delivered.subList(before, net.delivered.size()).stream()
            .filter(m -> m.getType() == MSG_HEARTBEAT)
            .count();
    assertEquals(2, heartbeats, "one heartbeat per follower");
    assertEquals(10, reads(net.node(1)).size());
  }

  /** A leader cut off in a minority never answers a read, while the majority moves on. */
  @Test
  void deposedLeaderInAMinorityNeverServesARead() {
    Net net = cluster();
    net.isolate(1);
    net.node(1).node.readIndex(ctx(1));
    for (int i = 0; i < 50; i++) net.tickAll();
    assertTrue(
        net.node(2).raft().role == Role.LEADER || net.node(3).raft().role == Role.LEADER,
        "the majority elected a new leader");
    assertEquals(List.of(), reads(net.node(1)));
  }

  /**
   * A new leader's commit index may lag what its predecessor committed: it serves no read until an
   * entry of its own term has committed, and then at an index that covers it.
   */
  @Test
  void newLeaderWaitsForAnEntryOfItsTerm() {
    Net net = cluster();
    net.isolate(1);
    net.dropIf(m -> m.getType() == MSG_APPEND_RESPONSE && m.getTo() == 2);
    net.campaign(2);
    assertEquals(2, net.leader());
    long noop = net.node(2).lastIndex();
    assertTrue(net.node(2).committed() < noop);
    net.node(2).node.readIndex(ctx(1));
    net.tickAll();
    assertEquals(List.of(), reads(net.node(2)));
    net.clearDrops();
    net.tickAll();
    net.tickAll();
    List<ReadState> rs = reads(net.node(2));
    assertEquals(1, rs.size());
    assertTrue(rs.get(0).index() >= noop, rs.toString());
  }

  /** A follower asks the leader for the read index and serves the read itself. */
  @Test
  void followerReadGetsTheLeadersIndex() {
    Net net = cluster();
    long commit = net.node(1).committed();
    net.node(3).node.readIndex(ctx(7));
    net.stabilize();
    assertEquals(List.of(new ReadState(commit, ctx(7))), reads(net.node(3)));
  }

  private static Net leaseCluster() {
    Net net = Net.of(b -> b.checkQuorum(true).leaseReads(true), 1, 2, 3);
    net.campaign(1);
    net.node(1).node.propose(X);
    net.stabilize();
    net.tickAll(); // a heartbeat round: the lease starts
    return net;
  }

  private static long heartbeatsSince(Net net, int from) {
    return net.delivered.subList(from, net.delivered.size()).stream()
        .filter(m -> m.getType() == MSG_HEARTBEAT)
        .count();
  }

  /** Thesis §6.4.1: while the lease holds, a read is served at once, with no heartbeat round. */
  @Test
  void leaseReadNeedsNoRound() {
    Net net = leaseCluster();
    int before = net.delivered.size();
    net.node(1).node.readIndex(ctx(1));
    net.stabilize();
    assertEquals(List.of(new ReadState(net.node(1).committed(), ctx(1))), reads(net.node(1)));
    assertEquals(0, heartbeatsSince(net, before));
  }

  /**
   * Once electionTicks - drift ticks passed without a majority acknowledging, the lease is gone.
   */
  @Test
  void anExpiredLeaseFallsBackToAHeartbeatRound() {
    Net net = leaseCluster();
    net.isolate(2);
    net.isolate(3);
    for (int i = 0; i < 9; i++) net.node(1).tick(); // electionTicks 10, drift 1
    net.node(1).drain();
    assertEquals(Role.LEADER, net.node(1).raft().role);
    net.node(1).node.readIndex(ctx(1));
    net.stabilize();
    assertEquals(List.of(), reads(net.node(1)), "no lease, and no majority to confirm");
  }

  /**
   * A leader that sent TimeoutNow may be replaced at any moment: it reads by heartbeat round only.
   */
  @Test
  void noLeaseReadsAfterTimeoutNow() {
    Net net = leaseCluster();
    net.dropIf(m -> m.getType() == io.raftjvm.proto.MessageType.MSG_TIMEOUT_NOW);
    net.node(1).node.transferLeadership(2);
    net.stabilize();
    for (int i = 0; i < 11; i++)
      net.tickAll(); // the transfer is abandoned after an election timeout
    assertEquals(Raft.NONE, net.node(1).raft().leadTransferee);
    assertEquals(Role.LEADER, net.node(1).raft().role);
    int before = net.delivered.size();
    net.node(1).node.readIndex(ctx(1));
    net.stabilize();
    assertEquals(1, reads(net.node(1)).size());
    assertTrue(heartbeatsSince(net, before) > 0, "served through a heartbeat round");
  }

  @Test
  void aSingleVoterServesAtOnceAndNoLeaderMeansNoRead() {
    Net single = Net.of(b -> {}, 1);
    single.campaign(1);
    single.node(1).node.readIndex(ctx(1));
    single.stabilize();
    assertEquals(1, reads(single.node(1)).size());

    Net net = Net.of(b -> {}, 1, 2, 3);
    assertThrows(NotLeaderException.class, () -> net.node(2).node.readIndex(ctx(1)));
  }
}
