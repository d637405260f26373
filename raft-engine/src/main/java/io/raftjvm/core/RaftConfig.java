package io.raftjvm.core;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Settings of one {@link RaftNode}. Times are in ticks; the owner decides how long a tick is.
 *
 * @param id this server's id, non-zero
 * @param electionTicks base election timeout; the randomized timeout is drawn from {@code
 *     [electionTicks, 2 * electionTicks)} (§5.2)
 * @param heartbeatTicks leader heartbeat interval; must be below electionTicks
 * @param maxSizePerMsg cap on the entry bytes of one append message (at least one entry is sent)
 * @param maxInflightMsgs cap on appends in flight to one follower in REPLICATE state
 * @param maxInflightBytes cap on entry bytes in flight to one follower (0: no byte cap)
 * @param maxApplyBytes cap on the bytes of committed entries handed out in one Ready
 * @param maxUncommittedBytes cap on the entry bytes a leader holds uncommitted: further proposals
 *     are dropped until some commit (0: no cap). A proposal is always accepted when nothing is
 *     uncommitted, however large.
 * @param preVote run the PreVote phase before raising the term (thesis §9.6)
 * @param checkQuorum leaders step down when they stop hearing from a quorum (thesis §6.2), and
 *     followers that hear from a leader ignore vote requests (thesis §4.2.3)
 * @param leaseReads serve linearizable reads without a heartbeat round while the leader's lease
 *     holds (thesis §6.4.1): a majority acknowledged a heartbeat sent less than electionTicks -
 *     leaseDriftTicks ticks ago, so no other leader can have been elected meanwhile. Needs
 *     checkQuorum (followers refuse votes while they hear from a leader). Safe only while every
 *     server's ticks run at the same rate to within leaseDriftTicks per election timeout, and the
 *     leader's ticks are not held up (a long pause of its loop would stretch the lease). Off by
 *     default.
 * @param leaseDriftTicks the margin taken off the lease for clock drift between servers
 * @param applied index already applied by the state machine (restart); 0 for none
 * @param random the only source of randomness: election timeout jitter
 * @param logger where the core's log lines go
 * @param metrics what the node reports for monitoring ({@link RaftMetrics#NONE}: nothing)
 */
public record RaftConfig(
    long id,
    int electionTicks,
    int heartbeatTicks,
    long maxSizePerMsg,
    int maxInflightMsgs,
    long maxInflightBytes,
    long maxApplyBytes,
    long maxUncommittedBytes,
    boolean preVote,
    boolean checkQuorum,
    boolean leaseReads,
    int leaseDriftTicks,
    long applied,
    RandomGenerator random,
    RaftLogger logger,
    RaftMetrics metrics,
    java.util.Set<PlantedFault> planted) {

  public RaftConfig {
    planted =
        planted.isEmpty()
            ? java.util.Set.of()
            : java.util.Collections.unmodifiableSet(java.util.EnumSet.copyOf(planted));
    Objects.requireNonNull(random, "random");
    Objects.requireNonNull(logger, "logger");
    Objects.requireNonNull(metrics, "metrics");
    if (id == 0) throw new IllegalArgumentException("id must not be 0 (0 means none)");
    if (heartbeatTicks <= 0)
      throw new IllegalArgumentException("heartbeatTicks must be positive: " + heartbeatTicks);
    if (electionTicks <= heartbeatTicks) {
      throw new IllegalArgumentException(
          "electionTicks ("
              + electionTicks
              + ") must be greater than heartbeatTicks ("
              + heartbeatTicks
              + ")");
    }
    if (maxSizePerMsg <= 0)
      throw new IllegalArgumentException("maxSizePerMsg must be positive: " + maxSizePerMsg);
    if (maxInflightMsgs <= 0)
      throw new IllegalArgumentException("maxInflightMsgs must be positive: " + maxInflightMsgs);
    if (maxInflightBytes < 0)
      throw new IllegalArgumentException(
          "maxInflightBytes must not be negative: " + maxInflightBytes);
    if (maxApplyBytes <= 0)
      throw new IllegalArgumentException("maxApplyBytes must be positive: " + maxApplyBytes);
    if (maxUncommittedBytes < 0) {
      throw new IllegalArgumentException(
          "maxUncommittedBytes must not be negative: " + maxUncommittedBytes);
    }
    if (applied < 0) throw new IllegalArgumentException("applied must not be negative: " + applied);
    if (leaseReads && !checkQuorum)
      throw new IllegalArgumentException("leaseReads needs checkQuorum");
    if (leaseDriftTicks < 0 || leaseDriftTicks >= electionTicks) {
      throw new IllegalArgumentException(
          "leaseDriftTicks must be in [0, electionTicks): " + leaseDriftTicks);
    }
  }

  /**
   * Defaults: election 10 ticks, heartbeat 1, 1 MiB per message, 256 appends / 16 MiB in flight, 64
   * MiB uncommitted.
   */
  public static Builder builder(long id) {
    return new Builder(id);
  }

  public Builder toBuilder() {
    return new Builder(id)
        .electionTicks(electionTicks)
        .heartbeatTicks(heartbeatTicks)
        .maxSizePerMsg(maxSizePerMsg)
        .maxInflightMsgs(maxInflightMsgs)
        .maxInflightBytes(maxInflightBytes)
        .maxApplyBytes(maxApplyBytes)
        .maxUncommittedBytes(maxUncommittedBytes)
        .preVote(preVote)
        .checkQuorum(checkQuorum)
        .applied(applied)
        .leaseReads(leaseReads)
        .leaseDriftTicks(leaseDriftTicks)
        .random(random)
        .logger(logger)
        .metrics(metrics)
        .plant(planted.toArray(new PlantedFault[0]));
  }

  /** Whether the deliberate bug f is planted (simulation only). */
  public boolean planted(PlantedFault f) {
    return !planted.isEmpty() && planted.contains(f);
  }

  /** Builds a {@link RaftConfig}; validation happens in build(). */
  public static final class Builder {
    private final long id;
    private int electionTicks = 10;
    private int heartbeatTicks = 1;
    private long maxSizePerMsg = 1 << 20;
    private int maxInflightMsgs = 256;
    private long maxInflightBytes = 16L << 20;
    private long maxApplyBytes = 4L << 20;
    private long maxUncommittedBytes = 64L << 20;
    private boolean preVote = true;
    private boolean checkQuorum = true;
    private boolean leaseReads;
    private int leaseDriftTicks = 1;
    private long applied;
    private RandomGenerator random;
    private RaftLogger logger = RaftLogger.NOP;
    private RaftMetrics metrics = RaftMetrics.NONE;
    private final java.util.Set<PlantedFault> planted =
        java.util.EnumSet.noneOf(PlantedFault.class);

    private Builder(long id) {
      this.id = id;
    }

    public Builder electionTicks(int v) {
      electionTicks = v;
      return this;
    }

    public Builder heartbeatTicks(int v) {
      heartbeatTicks = v;
      return this;
    }

    public Builder maxSizePerMsg(long v) {
      maxSizePerMsg = v;
      return this;
    }

    public Builder maxInflightMsgs(int v) {
      maxInflightMsgs = v;
      return this;
    }

    public Builder maxInflightBytes(long v) {
      maxInflightBytes = v;
      return this;
    }

    public Builder maxApplyBytes(long v) {
      maxApplyBytes = v;
      return this;
    }

    public Builder maxUncommittedBytes(long v) {
      maxUncommittedBytes = v;
      return this;
    }

    public Builder preVote(boolean v) {
      preVote = v;
      return this;
    }

    public Builder checkQuorum(boolean v) {
      checkQuorum = v;
      return this;
    }

    public Builder applied(long v) {
      applied = v;
      return this;
    }

    public Builder leaseReads(boolean v) {
      leaseReads = v;
      return this;
    }

    public Builder leaseDriftTicks(int v) {
      leaseDriftTicks = v;
      return this;
    }

    public Builder random(RandomGenerator v) {
      random = v;
      return this;
    }

    public Builder logger(RaftLogger v) {
      logger = v;
      return this;
    }

    public Builder metrics(RaftMetrics v) {
      metrics = v;
      return this;
    }

    /** Plants deliberate bugs, for the simulation to prove it catches them. Never in a server. */
    public Builder plant(PlantedFault... faults) {
      planted.addAll(java.util.List.of(faults));
      return this;
    }

    public RaftConfig build() {
      return new RaftConfig(
          id,
          electionTicks,
          heartbeatTicks,
          maxSizePerMsg,
          maxInflightMsgs,
          maxInflightBytes,
          maxApplyBytes,
          maxUncommittedBytes,
          preVote,
          checkQuorum,
          leaseReads,
          leaseDriftTicks,
          applied,
          random,
          logger,
          metrics,
          planted);
    }
  }
}
