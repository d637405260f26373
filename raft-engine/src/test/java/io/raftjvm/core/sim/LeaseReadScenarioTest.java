package io.raftjvm.core.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.core.PlantedFault;
import io.raftjvm.core.Role;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Thesis §6.4.1: a leader serves lease reads only while no other leader can exist. A leader paused
 * (a long GC, SIGSTOP) for longer than its lease is deposed meanwhile; when it resumes, the reads
 * that queued during the pause must not be answered on the lease it held before: its ticks catch up
 * with the clock before it handles them.
 */
@DisplayName("Scenarios: lease reads after a pause (thesis §6.4.1)")
class LeaseReadScenarioTest {
  private static final int ROUNDS = 200;

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void aResumedLeaderDoesNotAnswerQueuedReadsOnAnExpiredLease(long seed) {
    assertEquals(0, staleReads(seed), "stale reads served");
  }

  /**
   * The scenario: the leader is paused, the others elect a leader and commit writes, a client's
   * read reaches the paused leader; on resume it reads its client socket before its peers'. The
   * number of answers that missed a write committed before the read was sent (0 or 1).
   */
  static int staleReads(long seed, PlantedFault... planted) {
    SimCluster sim =
        new SimCluster(
            3, 0, seed, b -> b.preVote(true).checkQuorum(true).leaseReads(true).plant(planted));
    long old = AgreementScenarioTest.electLeader(sim, sim.ids);
    for (int i = 0; i < 5; i++) sim.one(ByteString.copyFromUtf8("before-" + i), 3, ROUNDS);
    sim.tickAll(3); // a heartbeat round acknowledged: the lease holds
    sim.pause(old, Long.MAX_VALUE / 4);
    long[] others = java.util.Arrays.stream(sim.ids).filter(id -> id != old).toArray();
    AgreementScenarioTest.electLeader(sim, others);
    long written = 0;
    for (int i = 0; i < 5; i++)
      written = sim.one(ByteString.copyFromUtf8("during-" + i), 2, ROUNDS);
    assertTrue(
        sim.node(old).paused && sim.node(old).node.status().role() == Role.LEADER, sim.describe());
    CompletableFuture<byte[]> read = sim.node(old).driver.read(new byte[0]); // waits in its socket
    sim.resume(old, false);
    sim.tickAll(20);
    if (!read.isDone() || read.isCompletedExceptionally())
      return 0; // refused or failed: the client retries
    long seen = ByteBuffer.wrap(read.join()).getLong(8);
    return seen < written ? 1 : 0;
  }
}
