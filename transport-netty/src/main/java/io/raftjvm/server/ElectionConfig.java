package io.raftjvm.server;

import java.time.Duration;

/**
 * Timing and elections, the top-level keys of {@code raft}: {@code tick-interval}, {@code
 * election-ticks}, {@code heartbeat-ticks}, {@code pre-vote}, {@code check-quorum}, {@code
 * read-lease}, {@code lease-drift-ticks}.
 */
public record ElectionConfig(
    Duration tickInterval,
    int electionTicks,
    int heartbeatTicks,
    boolean preVote,
    boolean checkQuorum,
    boolean readLease,
    int leaseDriftTicks) {
  static ElectionConfig parse(ConfigReader raft) {
    Duration tick = raft.duration("tick-interval");
    if (tick.toMillis() < 1) throw raft.bad("tick-interval", "must be at least 1ms, got " + tick);
    int heartbeat = raft.atLeast("heartbeat-ticks", 1);
    int election = (int) raft.number("election-ticks");
    if (election <= heartbeat) {
      throw raft.bad(
          "election-ticks",
          "must be greater than heartbeat-ticks (" + heartbeat + "), got " + election);
    }
    boolean checkQuorum = raft.bool("check-quorum");
    boolean lease = raft.bool("read-lease");
    if (lease && !checkQuorum) throw raft.bad("read-lease", "needs check-quorum = true");
    int drift = (int) raft.number("lease-drift-ticks");
    if (drift < 0 || drift >= election)
      throw raft.bad("lease-drift-ticks", "must be in [0, election-ticks), got " + drift);
    return new ElectionConfig(
        tick, election, heartbeat, raft.bool("pre-vote"), checkQuorum, lease, drift);
  }
}
