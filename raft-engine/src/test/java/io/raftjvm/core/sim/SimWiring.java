package io.raftjvm.core.sim;

import io.raftjvm.core.LogStore;
import io.raftjvm.core.Ready;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Message;
import io.raftjvm.runtime.SnapshotStore;
import io.raftjvm.runtime.Transport;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where a node's runtime meets the simulation: its transport into the simulated network (a
 * snapshot's data goes straight into the receiver's store), the log store that reports durable
 * votes to the invariants, and the watcher of every Ready its driver carries out.
 */
final class SimWiring {
  private final SimWorld w;

  SimWiring(SimWorld w) {
    this.w = w;
  }

  /**
   * The node's transport: into the simulated network; a snapshot's data goes straight into the
   * receiver's store.
   */
  Transport transport() {
    return new Transport() {
      @Override
      public void send(List<Message> messages) {
        for (Message m : messages) {
          w.invariants.onNetworkSend(m);
          w.net.send(m);
        }
      }

      @Override
      public void sendSnapshot(Message m, SnapshotStore.Stored snapshot, Consumer<Boolean> done) {
        SimNode to = w.nodes.get(m.getTo());
        if (to != null) {
          try (java.io.InputStream in = snapshot.open()) {
            SnapshotStore.Writer w =
                to.snapshots.begin(snapshot.metadata().getIndex(), snapshot.metadata().getTerm());
            w.out().write(in.readAllBytes());
            w.finishReceived(snapshot.metadata(), snapshot.size(), snapshot.crc32c());
          } catch (java.io.IOException e) {
            throw new AssertionError("copying a snapshot in memory failed", e);
          }
        }
        // The transport's feedback once a snapshot has been streamed (lost or not: if it was, the
        // follower's answer to the next probe sends the leader back to the snapshot).
        w.net.send(m);
        done.accept(true);
      }
    };
  }

  /** Watches a Ready the driver of n is about to carry out. */
  void observe(SimNode n, Ready rd) {
    w.readyObserver.accept(rd);
    if (rd.softState() != null) w.trace("node " + n.id + " is now " + rd.softState());
    if (rd.confState() != null)
      w.trace(
          "node "
              + n.id
              + " switches to voters "
              + rd.confState().getVotersList()
              + " learners "
              + rd.confState().getLearnersList());
    if (rd.snapshot() != null) {
      // The log is now the snapshot (the committed prefix up to its index), then what follows;
      // the state machine becomes the snapshot's.
      int s = (int) rd.snapshot().getMetadata().getIndex();
      n.view.clear();
      n.view.addAll(w.invariants.committed().subList(0, s));
      n.applied.clear();
      n.applied.addAll(w.invariants.committed().subList(0, s));
      w.snapshotsInstalled++;
    }
    if (!rd.toPersist().isEmpty()) {
      long from = rd.toPersist().get(0).getIndex();
      while (n.view.size() >= from) n.view.remove(n.view.size() - 1);
      if (n.view.size() != from - 1) {
        throw new AssertionError(
            "node "
                + n.id
                + " hands out entries from "
                + from
                + " but its log ends at "
                + n.view.size()
                + "\n"
                + w.describe());
      }
      n.view.addAll(rd.toPersist());
      w.invariants.onAppended(n, from);
    }
    for (Entry e : rd.toApply()) w.invariants.onApply(n, e);
  }

  /** The node's log store: its disk, with durable votes reported to the invariants. */
  LogStore store(SimNode n) {
    return new ObservedStore(n);
  }

  private final class ObservedStore extends io.raftjvm.runtime.ForwardingStore {
    private final SimNode n;

    ObservedStore(SimNode n) {
      super(n.disk);
      this.n = n;
    }

    @Override
    public void setHardState(HardState hs) {
      super.setHardState(hs);
      w.invariants.onVoteDurable(n, hs);
    }
  }
}
