package io.raftjvm.core.sim;

import io.raftjvm.core.MemoryStorage;
import io.raftjvm.core.RaftConfig;
import io.raftjvm.core.RaftNode;
import io.raftjvm.core.Ready;
import io.raftjvm.proto.Entry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulated server: its disk (a {@link MemoryStorage} that survives crashes), the running
 * {@link RaftNode} (lost on a crash), the Readies whose disk write has not completed yet, and the
 * state machine (the list of applied entries).
 */
final class SimNode {
  final long id;
  final RaftConfig config;
  /** What survives a crash. */
  final MemoryStorage disk;
  RaftNode node;
  boolean up = true;
  /** Readies handed out and not yet written, oldest first: their after-persist messages wait. */
  final ArrayDeque<Ready> pendingWrites = new ArrayDeque<>();
  /** The state machine: every entry applied, in order, since the last restart. */
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

  SimNode(long id, RaftConfig config, MemoryStorage disk) {
    this.id = id;
    this.config = config;
    this.disk = disk;
    start();
  }

  /** (Re)starts from what is on disk. */
  void start() {
    node = RaftNode.create(config, disk);
    up = true;
    pendingWrites.clear();
    applied.clear();
    view.clear();
    RaftNode.Status st = node.status();
    if (st.lastIndex() >= 1) view.addAll(node.entries(1, st.lastIndex() + 1));
    seenCommit = st.commit();
    verifiedCommit = 0;
  }

  long lastIndex() {
    return view.size();
  }

  long termAt(long index) {
    return index == 0 ? 0 : view.get((int) index - 1).getTerm();
  }
}
