package io.raftjvm.core.quorum;

import java.util.Arrays;
import java.util.Map;
import java.util.function.LongUnaryOperator;

/**
 * A set of voters decided by simple majority (§5.2, §5.3). Immutable; ids kept sorted so that
 * iteration order, and thus message order, is stable.
 */
public final class MajorityConfig {
  private final long[] voters;

  public MajorityConfig(long... voters) {
    long[] v = voters.clone();
    Arrays.sort(v);
    for (int i = 1; i < v.length; i++) {
      if (v[i] == v[i - 1]) throw new IllegalArgumentException("duplicate voter " + v[i]);
    }
    this.voters = v;
  }

  /** The voters, ascending. */
  public long[] ids() {
    return voters.clone();
  }

  public int size() {
    return voters.length;
  }

  public boolean contains(long id) {
    return Arrays.binarySearch(voters, id) >= 0;
  }

  /** How many voters make a majority. */
  public int quorum() {
    return voters.length / 2 + 1;
  }

  /**
   * The highest index that a majority of voters have acknowledged, given each voter's acked index.
   * An empty config commits everything (Long.MAX_VALUE), so that joining it with another is
   * neutral.
   */
  public long committedIndex(LongUnaryOperator ackedIndex) {
    int n = voters.length;
    if (n == 0) return Long.MAX_VALUE;
    long[] acked = new long[n];
    for (int i = 0; i < n; i++) acked[i] = ackedIndex.applyAsLong(voters[i]);
    Arrays.sort(acked);
    // acked is ascending; the value at n - quorum is reached by at least quorum voters.
    return acked[n - quorum()];
  }

  /** Counts votes: true granted, false refused, absent not yet answered. */
  public VoteResult voteResult(Map<Long, Boolean> votes) {
    if (voters.length == 0) return VoteResult.WON;
    int granted = 0;
    int missing = 0;
    for (long id : voters) {
      Boolean v = votes.get(id);
      if (v == null) missing++;
      else if (v) granted++;
    }
    int q = quorum();
    if (granted >= q) return VoteResult.WON;
    if (granted + missing >= q) return VoteResult.PENDING;
    return VoteResult.LOST;
  }

  @Override
  public String toString() {
    return Arrays.toString(voters);
  }
}
