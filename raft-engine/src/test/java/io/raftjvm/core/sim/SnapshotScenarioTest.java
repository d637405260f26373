package io.raftjvm.core.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.core.ConfChanges;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Thesis ch. 5 (log compaction): followers the leader's log no longer reaches catch up by snapshot.
 */
@DisplayName("Scenarios: snapshots and InstallSnapshot (thesis ch. 5)")
class SnapshotScenarioTest {
  private static final int ROUNDS = 100;

  /** A follower cut off while the leader compacts past it catches up through a snapshot. */
  @Test
  void partitionedFollowerCatchesUpThroughASnapshot() {
    SimCluster sim = SimCluster.of(3, 7);
    long leader = AgreementScenarioTest.electLeader(sim, sim.ids);
    long lagging = leader % 3 + 1;
    sim.net.isolate(lagging, sim.ids);
    for (int i = 0; i < 50; i++) sim.one(ByteString.copyFromUtf8("a" + i), 2, ROUNDS);
    for (long id : sim.ids) if (id != lagging) sim.snapshot(id, 0);
    assertTrue(
        sim.node(leader).disk.firstIndex() > sim.node(lagging).lastIndex() + 1,
        "the leader's log no longer holds what the follower needs");
    sim.net.heal();
    long last = sim.one(ByteString.copyFromUtf8("after"), 3, ROUNDS);
    assertEquals(1, sim.snapshotsInstalled, "one snapshot brought the follower up to date");
    sim.assertAllApplied(last);
    sim.invariants.checkViews();
  }

  /**
   * A backup's snapshot (NodeDriver.snapshotAfterBarrier) holds every entry committed before it was
   * asked for, even on a follower that has not heard of them yet: a ReadIndex round (thesis §6.4)
   * comes first. A plain snapshot asked for at the same moment does not, and the backup's waits for
   * it and takes another.
   */
  @Test
  void aBackupSnapshotOnALaggingFollowerHoldsEverythingCommittedBeforeIt() {
    SimCluster sim = SimCluster.of(3, 17);
    long leader = AgreementScenarioTest.electLeader(sim, sim.ids);
    long lagging = leader % 3 + 1;
    sim.net.isolate(lagging, sim.ids);
    for (int i = 0; i < 20; i++) sim.one(ByteString.copyFromUtf8("e" + i), 2, ROUNDS);
    sim.net.heal();
    SimNode f = sim.node(lagging);
    long committed = sim.node(leader).node.commitIndex();
    assertTrue(f.driver.appliedIndex() < committed, "the follower is behind");
    var plain = sim.onLoop(f, () -> f.driver.snapshot());
    var backup = sim.onLoop(f, () -> f.driver.snapshotAfterBarrier());
    assertTrue(sim.tickUntil(ROUNDS, backup::isDone) >= 0, "the backup snapshot finished");
    assertTrue(plain.join() < committed, "a plain snapshot misses what it had not applied");
    assertTrue(backup.join() >= committed, "the backup holds index " + committed);
    assertEquals(backup.join(), f.disk.snapshot().getMetadata().getIndex());
  }

  /** A server that joins after the log was compacted receives the configuration in the snapshot. */
  @Test
  void aServerJoiningAfterCompactionLearnsTheConfigurationFromTheSnapshot() {
    SimCluster sim = new SimCluster(3, 1, 11, b -> {});
    long leader = AgreementScenarioTest.electLeader(sim, 1, 2, 3);
    for (int i = 0; i < 20; i++) sim.one(ByteString.copyFromUtf8("b" + i), 3, ROUNDS);
    for (long id = 1; id <= 3; id++) sim.snapshot(id, 0);
    assertTrue(sim.changeMembership(leader, ConfChanges.addLearner(4, "sim-4:1", "")));
    sim.tickUntil(
        ROUNDS,
        () ->
            sim.node(4).node.confState().getLearnersList().contains(4L)
                && sim.node(4).node.commitIndex() >= sim.node(leader).node.commitIndex());
    assertEquals(1, sim.snapshotsInstalled);
    assertEquals(sim.node(leader).node.confState(), sim.node(4).node.confState());
    long last = sim.one(ByteString.copyFromUtf8("after"), 4, ROUNDS);
    sim.assertAllApplied(last);
  }

  /**
   * A server restarts from its snapshot and the log after it; entries kept before it (the margin)
   * are not re-applied.
   */
  @Test
  void restartRestoresTheSnapshotThenReplaysTheLog() {
    SimCluster sim = SimCluster.of(3, 13);
    AgreementScenarioTest.electLeader(sim, sim.ids);
    for (int i = 0; i < 30; i++) sim.one(ByteString.copyFromUtf8("c" + i), 3, ROUNDS);
    sim.snapshot(2, 10);
    long snap = sim.node(2).disk.snapshot().getMetadata().getIndex();
    assertTrue(
        sim.node(2).disk.firstIndex() < snap, "a margin of entries stays before the snapshot");
    for (int i = 0; i < 5; i++) sim.one(ByteString.copyFromUtf8("d" + i), 3, ROUNDS);
    sim.crash(2);
    sim.restart(2); // Invariants.onApply fails if it applies anything at or below snap again
    assertEquals(snap, sim.node(2).applied.get((int) snap - 1).getIndex());
    assertTrue(sim.node(2).applied.size() > snap, "it applied the log after the snapshot");
    long last = sim.one(ByteString.copyFromUtf8("after"), 3, ROUNDS);
    sim.assertAllApplied(last);
  }

  /**
   * Thesis §5.1, snapshotting concurrently: the snapshot is made durable on the keeper's own
   * thread, not on the log writer, whose syncs every commit waits for. The writer only records it
   * and compacts, after it is durable.
   */
  @Test
  void aSnapshotIsMadeDurableOffTheLogWriter() {
    SimCluster sim = SimCluster.of(3, 17);
    AgreementScenarioTest.electLeader(sim, sim.ids);
    for (int i = 0; i < 10; i++) sim.one(ByteString.copyFromUtf8("e" + i), 3, ROUNDS);
    SimNode n = sim.node(2);
    sim.completeWrites(n);
    long before = n.disk.snapshot().getMetadata().getIndex();

    CompletableFuture<Long> f = sim.onLoop(n, () -> n.driver.snapshot(0));
    for (int guard = 0; n.snapshotLane() == null || n.snapshotLane().queued() == 0; guard++) {
      assertTrue(guard < 1000, "the image never reached the snapshot thread");
      sim.scheduler.runAll(n.loopLane());
      sim.scheduler.runAll(n.applyLane());
    }
    assertEquals(0, n.writerLane().queued(), "the log writer has nothing of it yet");

    sim.scheduler.runAll(n.snapshotLane());
    assertEquals(
        before,
        n.disk.snapshot().getMetadata().getIndex(),
        "durable, not recorded before the writer");
    assertTrue(n.writerLane().queued() > 0, "the writer records it");

    sim.scheduler.runAll(n.writerLane());
    sim.settle(n);
    assertTrue(f.isDone() && !f.isCompletedExceptionally(), "the snapshot completes");
    assertTrue(n.disk.snapshot().getMetadata().getIndex() > before, "and is recorded");
  }
}
