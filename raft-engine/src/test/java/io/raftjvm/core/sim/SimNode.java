package io.raftjvm.core.sim;

import io.raftjvm.core.MemoryStorage;
import io.raftjvm.core.RaftConfig;
import io.raftjvm.core.RaftNode;
import io.raftjvm.proto.Entry;
import io.raftjvm.runtime.MemorySnapshotStore;
import io.raftjvm.runtime.NodeDriver;
import io.raftjvm.sim.SimScheduler;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulated server: what survives a crash (its log store and snapshot store, in memory), and
 * the running incarnation, lost on a crash: the real {@link NodeDriver} around a {@link RaftNode},
 * on lanes of the simulation's scheduler (its loop, log writer and applier), with its state
 * machine. The simulation also keeps, from the Readies the driver hands out, its own view of the
 * node's log and of what it applied, for the invariants.
 */
final class SimNode {
  final long id;
  final RaftConfig config;

  /** What survives a crash. */
  final MemoryStorage disk;

  final MemorySnapshotStore snapshots = new MemorySnapshotStore();

  /** The running incarnation; null while down. */
  RaftNode node;

  NodeDriver driver;
  SimScheduler.NodeLanes lanes;
  SimStateMachine stateMachine;
  boolean up;

  /**
   * Entries applied, in order, since the last restart (entries up to a snapshot count as applied).
   */
  final List<Entry> applied = new ArrayList<>();

  /**
   * The node's whole log as the sim has seen it change through Readies (the core changes its log
   * only in ways a Ready reports): view.get(i) has index i + 1.
   */
  final List<Entry> view = new ArrayList<>();

  /** Highest commit index seen from this incarnation. */
  long seenCommit;

  /** Entries up to here were checked against the cluster's committed prefix. */
  long verifiedCommit;

  int restarts;

  /** The step of its latest crash (-1: never). */
  long crashedAt = -1;

  /** Paused (SIGSTOP, a long GC) until this step: nothing of it runs, work queues up. */
  long pausedUntil;

  boolean paused;

  /** Its disk finishes no write before this step (a stalled sync). */
  long diskStalledUntil;

  /** Its state machine applies nothing before this step (a slow apply). */
  long applyStalledUntil;

  /** Messages that reached it while paused, not read yet (they wait in its sockets). */
  final List<io.raftjvm.proto.Message> held = new ArrayList<>();

  SimNode(long id, RaftConfig config, MemoryStorage disk) {
    this.id = id;
    this.config = config;
    this.disk = disk;
  }

  SimScheduler.Lane loopLane() {
    return lanes.loopLane();
  }

  SimScheduler.Lane writerLane() {
    return lanes.workerLane("-log");
  }

  SimScheduler.Lane applyLane() {
    return lanes.workerLane("-apply");
  }

  /** Where taken snapshots are made durable; null without a snapshot store. */
  SimScheduler.Lane snapshotLane() {
    return lanes.workerLane("-snapshot");
  }

  /** Snapshot work queued (making one durable, deleting old ones) that the disk lets run. */
  boolean snapshotWorkPending() {
    SimScheduler.Lane l = snapshotLane();
    return up && !paused && !diskStalled() && l != null && l.queued() > 0;
  }

  /** Log writes handed to the writer and not done yet. */
  boolean writesPending() {
    return up && !paused && !diskStalled() && writerLane().queued() > 0;
  }

  boolean diskStalled() {
    return diskStalledUntil > 0;
  }

  /**
   * Entries in its log that its disk does not hold yet (what a stalled disk makes it keep in
   * memory).
   */
  long unwritten() {
    return up ? node.status().lastIndex() - disk.lastIndex() : 0;
  }

  long lastIndex() {
    return view.size();
  }

  long termAt(long index) {
    return index == 0 ? 0 : view.get((int) index - 1).getTerm();
  }
}
