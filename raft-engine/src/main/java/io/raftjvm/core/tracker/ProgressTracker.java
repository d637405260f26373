package io.raftjvm.core.tracker;

import io.raftjvm.core.quorum.MajorityConfig;
import io.raftjvm.core.quorum.VoteResult;
import io.raftjvm.proto.ConfState;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The membership (voters and learners), the leader's {@link Progress} for each member, and the
 * votes of the current election. Members are kept in id order so that iteration is deterministic.
 */
public final class ProgressTracker {
  private MajorityConfig voters;

  /** Learners: receive the log, never vote, never count for commitment. */
  private long[] learners;

  private final TreeMap<Long, Progress> progress = new TreeMap<>();

  /** Votes of the current election: id to granted. Cleared by resetVotes. */
  private final Map<Long, Boolean> votes = new HashMap<>();

  private final int maxInflight;
  private final long maxInflightBytes;

  public ProgressTracker(int maxInflight, long maxInflightBytes) {
    this.maxInflight = maxInflight;
    this.maxInflightBytes = maxInflightBytes;
    this.voters = new MajorityConfig();
    this.learners = new long[0];
  }

  /** Installs a membership; every member starts with a fresh Progress at (match, next). */
  public void applyConf(ConfState conf, long match, long next) {
    long[] v = conf.getVotersList().stream().mapToLong(Long::longValue).toArray();
    long[] l = conf.getLearnersList().stream().mapToLong(Long::longValue).sorted().toArray();
    MajorityConfig mc = new MajorityConfig(v);
    for (long id : l) {
      if (mc.contains(id))
        throw new IllegalArgumentException("node " + id + " is both voter and learner");
    }
    voters = mc;
    learners = l;
    progress.clear();
    for (long id : mc.ids()) progress.put(id, newProgress(match, next, false));
    for (long id : l) progress.put(id, newProgress(match, next, true));
  }

  /**
   * Switches to conf, keeping the Progress of members that stay (a promoted learner keeps its
   * replication state). New members start at (0, next) in PROBE and count as recently active, so
   * that CheckQuorum gives them an election timeout to answer.
   */
  public void reconfigure(ConfState conf, long next) {
    MajorityConfig mc =
        new MajorityConfig(conf.getVotersList().stream().mapToLong(Long::longValue).toArray());
    long[] l = conf.getLearnersList().stream().mapToLong(Long::longValue).sorted().toArray();
    TreeMap<Long, Progress> updated = new TreeMap<>();
    for (long id : mc.ids()) updated.put(id, keepOrAdd(id, next, false));
    for (long id : l) {
      if (mc.contains(id))
        throw new IllegalArgumentException("node " + id + " is both voter and learner");
      updated.put(id, keepOrAdd(id, next, true));
    }
    voters = mc;
    learners = l;
    progress.clear();
    progress.putAll(updated);
  }

  private Progress keepOrAdd(long id, long next, boolean learner) {
    Progress pr = progress.get(id);
    if (pr == null) {
      pr = newProgress(0, next, learner);
      pr.setRecentActive(true);
    } else {
      pr.setLearner(learner);
    }
    return pr;
  }

  public boolean isLearner(long id) {
    return Arrays.binarySearch(learners, id) >= 0;
  }

  private Progress newProgress(long match, long next, boolean learner) {
    return new Progress(match, next, new Inflights(maxInflight, maxInflightBytes), learner);
  }

  /** Every member's Progress restarts at (0, next), as a new leader's view (Figure 2). */
  public void resetProgress(long next) {
    progress.replaceAll((id, pr) -> newProgress(0, next, pr.isLearner()));
  }

  public MajorityConfig voters() {
    return voters;
  }

  public boolean isVoter(long id) {
    return voters.contains(id);
  }

  /** Members in id order, learners included. */
  public NavigableMap<Long, Progress> progress() {
    return Collections.unmodifiableNavigableMap(progress);
  }

  public Progress get(long id) {
    return progress.get(id);
  }

  public ConfState confState() {
    ConfState.Builder b = ConfState.newBuilder();
    for (long id : voters.ids()) b.addVoters(id);
    for (long id : learners) b.addLearners(id);
    return b.build();
  }

  /** The highest index a majority of voters hold (§5.3). */
  public long committed() {
    return voters.committedIndex(
        id -> {
          Progress pr = progress.get(id);
          return pr == null ? 0 : pr.match();
        });
  }

  /** Whether a majority of voters were heard from recently; self counts as active (CheckQuorum). */
  public boolean quorumActive(long self) {
    Map<Long, Boolean> active = new HashMap<>();
    progress.forEach(
        (id, pr) -> {
          if (!pr.isLearner()) active.put(id, id == self || pr.recentActive());
        });
    return voters.voteResult(active) == VoteResult.WON;
  }

  public void resetRecentActive(long self) {
    progress.forEach((id, pr) -> pr.setRecentActive(id == self));
  }

  public void resetVotes() {
    votes.clear();
  }

  /** Records a vote (the first one from each voter counts) and returns the tally. */
  public VoteResult recordVote(long id, boolean granted) {
    votes.putIfAbsent(id, granted);
    return voters.voteResult(votes);
  }

  public int grantedVotes() {
    return (int) votes.values().stream().filter(v -> v).count();
  }

  public int rejectedVotes() {
    return (int) votes.values().stream().filter(v -> !v).count();
  }
}
