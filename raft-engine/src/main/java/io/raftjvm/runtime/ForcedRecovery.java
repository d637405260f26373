package io.raftjvm.runtime;

import io.raftjvm.core.ConfChanges;
import io.raftjvm.core.LogStore;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Member;
import io.raftjvm.proto.SnapshotMetadata;
import java.util.List;

/**
 * Disaster recovery ({@code raft-admin recover}; etcd's force-new-cluster, Consul's peers.json):
 * when a majority of a cluster's voters is lost for good, one survivor's log becomes the start of a
 * new cluster in which it is the only voter. Offline, on the survivor's log store, with the server
 * stopped: a configuration entry ({@code CONF_FORCE_NEW}) naming only this server is appended after
 * the last entry, at a term above every term the log and the hard state hold, and the hard state
 * records it as committed (that term, no vote, commit at the entry). Nothing else changes: the log,
 * the snapshots and the state machine's files stay. At its next start the server is the only voter
 * of its configuration: it elects itself at the next term, applies its whole log and serves; new
 * servers added with add-learner and promote catch up from it.
 *
 * <p>What this decides, which Raft never would:
 *
 * <ul>
 *   <li>Every entry in the survivor's log counts as committed, the ones after its commit index
 *       included. Those the old cluster never committed are applied now: commands whose clients
 *       were told the outcome was unknown (never that they failed), and possibly entries a later
 *       leader of the old cluster had replaced on the servers that are lost.
 *   <li>Entries the lost servers committed (and acknowledged to clients) that never reached the
 *       survivor are gone. A committed entry is on a majority, and a majority is what was lost: any
 *       acknowledged write may be among them, unless it is in the survivor's log. Recover the
 *       survivor whose log is most up to date (highest last term, then highest last index: §5.4.1's
 *       order): it holds every entry committed before its last term began.
 *   <li>The lost servers must never come back with their data: two of them that make a majority of
 *       the old configuration could elect a leader of their own (split brain).
 * </ul>
 */
public final class ForcedRecovery {
  private ForcedRecovery() {}

  /**
   * What the recovery found and did.
   *
   * @param lastIndex the survivor's last log index and its term, before
   * @param commitBefore its commit index before: entries after it up to lastIndex were not known to
   *     be committed, and now are
   * @param before the configuration in force in its log before
   * @param index the forced configuration entry's index (lastIndex + 1) and term
   * @param after the forced configuration
   */
  public record Result(
      long lastIndex,
      long lastTerm,
      long commitBefore,
      ConfState before,
      long index,
      long term,
      ConfState after) {}

  /** A log that cannot be recovered; the message is one line saying why, nothing was written. */
  public static final class RecoveryRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RecoveryRefusedException(String message) {
      super(message);
    }
  }

  /**
   * Makes self (id and addresses) the only voter of store's log, durably (store is synced).
   *
   * @throws RecoveryRefusedException when the log is empty or self is not a voter of the
   *     configuration in it
   */
  public static Result run(LogStore store, Member self) {
    Result r = plan(store, self);
    store.append(List.of(ConfChanges.forcedEntry(r.index(), r.term(), r.after())));
    store.setHardState(HardState.newBuilder().setTerm(r.term()).setCommit(r.index()).build());
    store.sync();
    return r;
  }

  /**
   * What {@link #run} would find and do, writing nothing: to compare survivors (the most up to date
   * one has the highest last term, then the highest last index) before recovering one.
   */
  public static Result plan(LogStore store, Member self) {
    long id = self.getId();
    SnapshotMetadata snap = store.snapshot().getMetadata();
    long last = store.lastIndex();
    if (last == 0) {
      throw new RecoveryRefusedException(
          "the log of node " + id + " is empty: nothing to recover (start a new cluster instead)");
    }
    if (snap.getIndex() + 1 < store.firstIndex()) {
      throw new RecoveryRefusedException(
          "the log of node "
              + id
              + " starts at "
              + store.firstIndex()
              + " but its latest snapshot is at "
              + snap.getIndex()
              + ": the configuration in between is unknown");
    }
    ConfState before = latestConfiguration(store, snap);
    if (!before.getVotersList().contains(id)) {
      throw new RecoveryRefusedException(
          "node "
              + id
              + " is not a voter of the configuration in its log (voters "
              + before.getVotersList()
              + ", learners "
              + before.getLearnersList()
              + "): recover one of the voters");
    }
    HardState hs = store.initialState().hardState();
    long lastTerm = store.term(last);
    long term = Math.max(hs.getTerm(), lastTerm) + 1;
    long index = last + 1;
    ConfState after = ConfState.newBuilder().addVoters(id).addMembers(self).build();
    return new Result(last, lastTerm, hs.getCommit(), before, index, term, after);
  }

  /** The configuration of the latest configuration entry in the log, or the snapshot's. */
  private static ConfState latestConfiguration(LogStore store, SnapshotMetadata snap) {
    ConfState conf = snap.getConfState();
    long last = store.lastIndex();
    for (long lo = snap.getIndex() + 1; lo <= last; ) {
      List<Entry> batch = store.entries(lo, last + 1, 4L << 20);
      for (Entry e : batch) {
        if (e.getType() == EntryType.ENTRY_CONF_CHANGE)
          conf = ConfChanges.apply(conf, ConfChanges.decode(e));
      }
      lo += batch.size();
    }
    return conf;
  }
}
