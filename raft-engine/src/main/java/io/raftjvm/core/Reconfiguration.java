package io.raftjvm.core;

import static io.raftjvm.core.Raft.NONE;

import io.raftjvm.core.tracker.Progress;
import io.raftjvm.proto.ConfChange;
import io.raftjvm.proto.ConfChangeType;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import java.util.List;

/**
 * Single-server membership changes (thesis ch. 4): who may campaign, a leader's proposal of a
 * change, the switch of the progress tracker to the log's latest configuration, and a removed
 * leader stepping down. The configuration itself lives in the log ({@link ConfHistory}); the rules
 * for one change in {@link ConfChanges}.
 */
final class Reconfiguration {
  private final Raft r;

  /** The configuration the tracker holds; replaced when the log's latest configuration changes. */
  private ConfState tracked;

  Reconfiguration(Raft r) {
    this.r = r;
  }

  /** At start: the tracker takes the configuration in the log (or its snapshot). */
  void start() {
    tracked = r.log.confs.current();
    r.tracker.applyConf(tracked, 0, r.log.lastIndex() + 1);
  }

  /**
   * Whether this server may campaign: a voter of its latest configuration; or one that the latest,
   * uncommitted configuration entry removes. The second keeps a cluster live when a leader that
   * removed itself loses leadership before the removal commits: its log may be the only one
   * electable, and it can win (by a majority of the new configuration, not counting itself), commit
   * the removal and step down. Learners never campaign.
   */
  boolean promotable() {
    if (r.log.unstable.snapshot() != null) return false;
    if (r.tracker.isVoter(r.id)) return true;
    if (r.cfg.planted(PlantedFault.LEARNER_CAMPAIGNS) && r.tracker.isLearner(r.id)) return true;
    ConfState before = r.log.confs.previous();
    return before != null
        && r.log.confs.lastIndex() > r.log.committed()
        && before.getVotersList().contains(r.id);
  }

  /**
   * Leader: appends a single-server change (thesis §4.1). A server uses the latest configuration in
   * its log from the moment it appends it, committed or not; so one change may be in flight at a
   * time, and a new leader first commits an entry of its own term (the fix to single-server changes
   * in thesis §4.1, Ongaro's 2015 erratum): otherwise two leaders could each append a change to a
   * different configuration and have disjoint majorities.
   *
   * @return the index of the configuration entry
   */
  long propose(ConfChange cc) {
    if (r.role != Role.LEADER) throw new NotLeaderException(r.id, r.lead);
    if (r.leadTransferee != NONE) {
      throw new ProposalDroppedException(
          "node " + r.id + " is handing leadership to " + r.leadTransferee);
    }
    if (cc.getType() == ConfChangeType.CONF_INITIAL) {
      throw new ConfChangeRejectedException(
          "the initial configuration is written at bootstrap, not proposed", false);
    }
    if (cc.getType() == ConfChangeType.CONF_FORCE_NEW) {
      throw new ConfChangeRejectedException(
          "a forced configuration is written offline by raft-admin recover, not proposed", false);
    }
    try {
      ConfChanges.apply(r.log.confs.current(), cc);
    } catch (IllegalArgumentException e) {
      throw new ConfChangeRejectedException(e.getMessage(), false);
    }
    if (r.log.termOrZero(r.log.committed()) != r.term) {
      throw new ConfChangeRejectedException(
          "leader "
              + r.id
              + " has not yet committed an entry of its term "
              + r.term
              + "; retry shortly",
          true);
    }
    long pending = r.log.confs.lastIndex();
    if (pending > r.log.applied()) {
      throw new ConfChangeRejectedException(
          "the configuration change at index "
              + pending
              + " is still pending (one change at a time); retry once it is applied",
          true);
    }
    if (cc.getType() == ConfChangeType.CONF_PROMOTE) {
      // Thesis §4.2.1: a server that cannot keep up would leave the cluster unavailable while it
      // catches up; promote it only once it holds everything committed.
      Progress pr = r.tracker.get(cc.getNodeId());
      if (!pr.recentActive() || pr.match() < r.log.committed()) {
        throw new ConfChangeRejectedException(
            "learner "
                + cc.getNodeId()
                + " is not caught up (match "
                + pr.match()
                + ", commit "
                + r.log.committed()
                + (pr.recentActive() ? "" : ", not heard from recently")
                + "); retry shortly",
            true);
      }
    }
    r.logger.info(
        "{} [term {}] proposes configuration change {} {}",
        r.id,
        r.term,
        cc.getType(),
        cc.getNodeId());
    return r.appendEntries(
        List.of(
            Entry.newBuilder()
                .setType(EntryType.ENTRY_CONF_CHANGE)
                .setData(cc.toByteString())
                .build()));
  }

  /**
   * Switches the tracker to the log's latest configuration if it changed (append, truncation,
   * snapshot).
   */
  // The log replaces its ConfState whenever the configuration changes: identity is the change test.
  @SuppressWarnings("ReferenceEquality")
  void sync() {
    ConfState conf = r.log.confs.current();
    if (conf == tracked) return;
    tracked = conf;
    r.tracker.reconfigure(conf, r.log.lastIndex());
    r.logger.info(
        "{} [term {}] switched to configuration [voters: {}, learners: {}] from index {}",
        r.id,
        r.term,
        conf.getVotersList(),
        conf.getLearnersList(),
        r.log.confs.lastIndex());
    if (r.role != Role.LEADER) return;
    if (r.leadTransferee != NONE && !r.tracker.isVoter(r.leadTransferee)) {
      r.logger.info(
          "{} aborted leadership transfer to {}: no longer a voter", r.id, r.leadTransferee);
      r.leadTransferee = NONE;
    }
    // Removing a slow voter may let entries commit at once.
    if (LeaderSteps.maybeCommit(r)) r.bcastAppend();
  }

  /**
   * Leader: once the configuration that removed it commits, it steps down (thesis §4.2.2). It first
   * tells the most up-to-date voter to campaign at once, so the cluster does not wait an election
   * timeout for a new leader.
   */
  void maybeStepDownRemoved() {
    if (r.role != Role.LEADER
        || r.tracker.isVoter(r.id)
        || r.log.confs.lastIndex() > r.log.committed()) return;
    r.flushAppends(); // the commit news first
    long best = NONE;
    long bestMatch = -1;
    for (var e : r.tracker.progress().entrySet()) {
      if (!e.getValue().isLearner() && e.getValue().match() > bestMatch) {
        best = e.getKey();
        bestMatch = e.getValue().match();
      }
    }
    r.logger.info(
        "{} [term {}] steps down: the configuration removing it committed at {}",
        r.id,
        r.term,
        r.log.confs.lastIndex());
    if (best != NONE && bestMatch == r.log.lastIndex()) r.sendTimeoutNow(best);
    r.becomeFollower(r.term, NONE);
  }

  ConfState current() {
    return r.log.confs.current();
  }
}
