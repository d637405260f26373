package io.raftjvm.core.sim;

import io.raftjvm.core.MemoryStorage;
import io.raftjvm.core.RaftConfig;
import io.raftjvm.core.RaftNode;
import io.raftjvm.core.Ready;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.Snapshot;
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
    start(List.of());
  }

  /**
   * (Re)starts from what is on disk: the state machine from the latest snapshot, the log after it.
   * committed is the cluster's committed prefix, which holds every entry compacted away here.
   */
  void start(List<Entry> committed) {
    node = RaftNode.create(config, disk);
    up = true;
    pendingWrites.clear();
    restoreStateMachine(disk.snapshot());
    view.clear();
    RaftNode.Status st = node.status();
    view.addAll(committed.subList(0, (int) st.firstIndex() - 1));
    if (st.lastIndex() >= st.firstIndex()) view.addAll(node.entries(st.firstIndex(), st.lastIndex() + 1));
    seenCommit = st.commit();
    verifiedCommit = 0;
  }

  /** The state machine becomes the snapshot's: every entry applied up to its index. */
  void restoreStateMachine(Snapshot snap) {
    applied.clear();
    if (snap.getMetadata().getIndex() == 0) return;
    try {
      applied.addAll(Message.parseFrom(snap.getData()).getEntriesList());
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("node " + id + ": corrupt snapshot", e);
    }
    if (applied.size() != snap.getMetadata().getIndex()) {
      throw new AssertionError("node " + id + ": snapshot at " + snap.getMetadata().getIndex() + " holds "
          + applied.size() + " entries");
    }
  }

  /** The state machine's image: every entry it applied (index i at position i - 1). */
  ByteString stateMachineImage() {
    return Message.newBuilder().addAllEntries(applied).build().toByteString();
  }

  long lastIndex() {
    return view.size();
  }

  long termAt(long index) {
    return index == 0 ? 0 : view.get((int) index - 1).getTerm();
  }
}
