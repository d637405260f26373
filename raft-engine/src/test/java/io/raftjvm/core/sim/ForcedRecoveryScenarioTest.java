package io.raftjvm.core.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.core.ConfChanges;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.Member;
import io.raftjvm.runtime.ForcedRecovery;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Disaster recovery (beyond the paper: etcd's force-new-cluster) in the whole-node simulation: a
 * majority of the voters is lost for good, and the survivor's log is forced to a configuration of
 * itself alone ({@link ForcedRecovery}, as raft-admin recover does on a stopped server), restarted,
 * and grown back with new servers. The invariants (Figure 3 and the membership ones) are checked
 * after every event throughout.
 */
class ForcedRecoveryScenarioTest {
  private static final int ROUNDS = 200;

  private static Member member(long id) {
    return Member.newBuilder().setId(id).setPeerAddress("sim-" + id + ":1").build();
  }

  /**
   * Everything the survivor held is kept and applied exactly once; it elects itself, commits alone,
   * then adds two new servers (learner, then voter), which catch up; the three commit together and
   * apply the same log.
   */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {23, 24, 25, 26, 27})
  void aSurvivorForcedAloneServesAndGrowsBackWithNewServers(long seed) {
    SimCluster sim = new SimCluster(3, 2, seed, b -> {});
    long leader = AgreementScenarioTest.electLeader(sim, 1, 2, 3);
    long acked = 0;
    for (int i = 0; i < 20; i++) acked = sim.one(ByteString.copyFromUtf8("a" + i), 3, ROUNDS);
    long survivor = leader % 3 + 1; // a follower, so that it must elect itself
    for (long id = 1; id <= 3; id++) sim.crash(id);
    List<Entry> ackedEntries = List.copyOf(sim.node(survivor).applied.subList(0, (int) acked));

    ForcedRecovery.Result r = ForcedRecovery.run(sim.node(survivor).disk, member(survivor));
    assertEquals(List.of(1L, 2L, 3L), r.before().getVotersList());
    assertEquals(List.of(survivor), r.after().getVotersList());
    assertEquals(r.lastIndex() + 1, r.index());
    assertTrue(r.term() > r.lastTerm());

    sim.restart(survivor);
    assertEquals(survivor, AgreementScenarioTest.electLeader(sim, survivor));
    long alone = sim.one(ByteString.copyFromUtf8("alone"), 1, ROUNDS);
    assertTrue(alone > r.index());
    assertEquals(
        ackedEntries,
        sim.node(survivor).applied.subList(0, (int) acked),
        "every acknowledged entry is kept");

    for (long id = 4; id <= 5; id++) {
      long joining = id;
      // One change at a time: each is retried while the one before is pending.
      assertTrue(
          sim.tickUntil(
                  ROUNDS,
                  () ->
                      sim.changeMembership(
                          survivor, ConfChanges.addLearner(joining, "sim-" + joining, "")))
              >= 0,
          "node " + joining + " added\n" + sim.describe());
      assertTrue(
          sim.tickUntil(ROUNDS, () -> sim.changeMembership(survivor, ConfChanges.promote(joining)))
              >= 0,
          "node " + joining + " promoted once caught up\n" + sim.describe());
    }
    long grown = sim.one(ByteString.copyFromUtf8("grown"), 3, ROUNDS);
    sim.assertAllApplied(grown);
    assertEquals(List.of(survivor, 4L, 5L), sim.node(survivor).node.confState().getVotersList());
    sim.invariants.checkViews();
  }

  /**
   * The risk, shown: a survivor that had not received the latest entries the lost majority
   * committed loses them. Its recovered log commits something else at their index, and the
   * invariant checker, which saw them committed before the loss, reports State Machine Safety
   * broken. Recovery is the operator's decision; this is what it may cost.
   */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {31, 32})
  void aSurvivorThatLaggedLosesWhatOnlyTheLostMajorityHeld(long seed) {
    SimCluster sim = new SimCluster(3, 0, seed, b -> {});
    long leader = AgreementScenarioTest.electLeader(sim, 1, 2, 3);
    for (int i = 0; i < 5; i++) sim.one(ByteString.copyFromUtf8("a" + i), 3, ROUNDS);
    long survivor = leader % 3 + 1;
    sim.net.isolate(survivor, sim.ids);
    long lost = sim.one(ByteString.copyFromUtf8("only on the majority"), 2, ROUNDS);
    assertTrue(sim.node(survivor).lastIndex() < lost, "the survivor never received it");
    for (long id = 1; id <= 3; id++) sim.crash(id);
    sim.net.heal();

    ForcedRecovery.run(sim.node(survivor).disk, member(survivor));
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () -> {
              sim.restart(survivor);
              AgreementScenarioTest.electLeader(sim, survivor);
              sim.one(ByteString.copyFromUtf8("after"), 1, ROUNDS);
            });
    assertTrue(
        e.getMessage().contains("committed where " + lost + "/"),
        e.getMessage().lines().findFirst().orElse(""));
  }
}
