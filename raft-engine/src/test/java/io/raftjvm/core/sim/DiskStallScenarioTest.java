package io.raftjvm.core.sim;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.core.Role;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A leader whose log sync stalls for many election timeouts (hashicorp/raft#683): the cluster goes
 * on committing through a new leader, the stalled server holds no more than a bounded backlog of
 * unwritten entries, and once its disk recovers it catches up and agrees with the rest.
 */
@DisplayName("Scenarios: a leader's disk stalls (thesis §10.2.1)")
class DiskStallScenarioTest {
  private static final int ROUNDS = 200;

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void theClusterKeepsServingAndTheStalledLeaderStaysSmall(long seed) {
    SimCluster sim =
        new SimCluster(
            3,
            seed,
            b -> b.preVote(true).checkQuorum(true).maxInflightMsgs(4).maxInflightBytes(1024));
    long stalled = AgreementScenarioTest.electLeader(sim, sim.ids);
    sim.one(ByteString.copyFromUtf8("before"), 3, ROUNDS);
    sim.stallDisk(stalled, 0);
    long maxUnwritten = 0;
    long maxWriteWait = 0;
    int committed = 0;
    for (int round = 0; round < 150; round++) {
      // Clients keep proposing to whoever leads; every round is a tick of each server.
      for (int i = 0; i < 5; i++) {
        SimNode leader = sim.leader();
        if (leader != null
            && sim.propose(leader.id, ByteString.copyFromUtf8("r" + round + "-" + i)) != null) {
          committed++;
        }
      }
      sim.tickAll();
      maxUnwritten = Math.max(maxUnwritten, sim.node(stalled).unwritten());
      maxWriteWait = Math.max(maxWriteWait, sim.node(stalled).driver.writeWaitMillis());
    }
    // What /health/live reads: the stalled write's wait, growing for as long as the stall lasts.
    assertTrue(
        maxWriteWait >= 100L * SimWorld.TICK_MILLIS,
        "the stalled write waited " + maxWriteWait + " ms by the driver's account");
    for (long other : sim.ids) {
      if (other != stalled) {
        assertTrue(
            sim.node(other).driver.writeWaitMillis() < 20L * SimWorld.TICK_MILLIS,
            "node " + other + " is not stalled");
      }
    }
    SimNode now = sim.leader();
    assertTrue(
        now != null && now.id != stalled, "a server with a working disk leads\n" + sim.describe());
    assertNotEquals(Role.LEADER, sim.node(stalled).node.status().role(), sim.describe());
    long done = sim.one(ByteString.copyFromUtf8("during"), 2, ROUNDS);
    assertTrue(
        done > 300, "the others committed through the stall: " + done + "\n" + sim.describe());
    // Bounded: what it accepted before handing over, plus the new leader's in-flight window.
    assertTrue(
        maxUnwritten < 120,
        "the stalled server held " + maxUnwritten + " unwritten entries\n" + sim.describe());
    sim.unstallDisk(stalled);
    long last = sim.one(ByteString.copyFromUtf8("after"), 3, ROUNDS);
    sim.tickAll();
    assertTrue(
        sim.node(stalled).driver.writeWaitMillis() < 20L * SimWorld.TICK_MILLIS,
        "the wait ends with the stall: " + sim.node(stalled).driver.writeWaitMillis());
    sim.assertAllApplied(last);
    sim.invariants.checkViews();
    System.out.printf(
        "disk stall, seed %d: %d proposals taken, %d entries committed meanwhile, at most %d"
            + " unwritten entries on the stalled server%n",
        seed, committed, done, maxUnwritten);
  }
}
