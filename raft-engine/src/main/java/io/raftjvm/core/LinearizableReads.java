package io.raftjvm.core;

import static io.raftjvm.core.Raft.NONE;
import static io.raftjvm.core.Raft.msg;
import static io.raftjvm.proto.MessageType.MSG_READ_INDEX;
import static io.raftjvm.proto.MessageType.MSG_READ_INDEX_RESPONSE;

import com.google.protobuf.ByteString;
import io.raftjvm.core.quorum.VoteResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Linearizable reads without log entries (thesis §6.4): ReadIndex, confirmed by a heartbeat round,
 * and leader leases (§6.4.1). The leader keeps the waiting reads ({@link ReadOnly}) and the lease
 * evidence; any role collects the {@link ReadState}s that {@link RaftNode#ready()} hands out.
 */
final class LinearizableReads {
  private final Raft r;

  /** Leader: reads waiting for a heartbeat round. */
  private final ReadOnly readOnly = new ReadOnly();

  /** Reads that may be served once applied up to their index. Drained by RaftNode.ready. */
  final List<ReadState> readStates = new ArrayList<>();

  /** Leader: per member, the latest tick at which a heartbeat it acknowledged was sent. */
  private final Map<Long, Long> heartbeatAcked = new HashMap<>();

  /**
   * Leader: it sent TimeoutNow this term, so a voter may elect another leader at any moment (its
   * vote bypasses the lease): no lease reads until the next term.
   */
  private boolean leaseForfeited;

  /** Leader: reads queued since the last flush need a heartbeat round. */
  private boolean roundPending;

  /** Leader: reads that arrived before an entry of its term committed. */
  private final List<WaitingRead> beforeOwnCommit = new ArrayList<>();

  private record WaitingRead(long from, ByteString context) {}

  LinearizableReads(Raft r) {
    this.r = r;
  }

  /** A read for context: served here if leading, else forwarded to the leader. */
  void readIndex(ByteString context) {
    if (r.role == Role.LEADER) {
      leaderReadIndex(r.id, context);
    } else if (r.lead != NONE) {
      r.send(msg(MSG_READ_INDEX, r.lead).setContext(context));
    } else {
      throw new NotLeaderException(r.id, NONE);
    }
  }

  /**
   * Leader: a read from server from (itself included). A new leader first commits an entry of its
   * term: until then its commit index may lag what earlier leaders committed. Then the read waits
   * for a heartbeat round confirming that no other leader has taken over meanwhile.
   */
  void leaderReadIndex(long from, ByteString context) {
    RaftLog log = r.log;
    if (log.termOrZero(log.committed()) != r.term) {
      beforeOwnCommit.add(new WaitingRead(from, context));
      return;
    }
    if ((r.tracker.voters().size() == 1 && r.tracker.isVoter(r.id)) || leaseHolds()) {
      r.cfg.metrics().readIndex(true);
      serve(from, log.committed(), context);
      return;
    }
    r.cfg.metrics().readIndex(false);
    if (readOnly.add(log.committed(), context, from)) {
      readOnly.ack(r.id, context);
      roundPending = true; // one round at the next flush for every read queued until then
    }
  }

  /** Leader: a member acknowledged the heartbeat sent at tick sentAt (its lease evidence). */
  void onHeartbeatAck(long from, long sentAt) {
    heartbeatAcked.merge(from, sentAt, Math::max);
  }

  /**
   * Leader: whether its lease holds (thesis §6.4.1): a majority of voters acknowledged heartbeats
   * sent within the last electionTicks - leaseDriftTicks ticks, and each of them ignores vote
   * requests for electionTicks after hearing one, so no other leader can exist yet.
   */
  boolean leaseHolds() {
    RaftConfig cfg = r.cfg;
    if (!cfg.leaseReads() || leaseForfeited || r.leadTransferee != NONE) return false;
    long[] voters = r.tracker.voters().ids();
    long[] sent = new long[voters.length];
    for (int i = 0; i < voters.length; i++) {
      sent[i] =
          voters[i] == r.id ? r.ticks : heartbeatAcked.getOrDefault(voters[i], Long.MIN_VALUE / 2);
    }
    Arrays.sort(sent);
    long quorumSent = sent[sent.length - r.tracker.voters().quorum()];
    return r.ticks < quorumSent + cfg.electionTicks() - cfg.leaseDriftTicks();
  }

  /** Leader: it told a voter to campaign at once, which may end its leadership before any lease. */
  void forfeitLease() {
    leaseForfeited = true;
  }

  /**
   * A heartbeat response for a read's round: once a majority of voters answered, serve it and those
   * before it.
   */
  void onReadAck(long from, ByteString context) {
    Set<Long> acks = readOnly.ack(from, context);
    if (acks == null) return;
    Map<Long, Boolean> votes = new HashMap<>();
    for (long a : acks) votes.put(a, true);
    if (r.tracker.voters().voteResult(votes) != VoteResult.WON) return;
    for (ReadOnly.Pending p : readOnly.release(context)) serve(p.from, p.index, p.context);
  }

  /** Leader: the first entry of its term committed; reads that waited for it go ahead. */
  void onOwnTermCommitted() {
    if (beforeOwnCommit.isEmpty() || r.log.termOrZero(r.log.committed()) != r.term) return;
    List<WaitingRead> waiting = new ArrayList<>(beforeOwnCommit);
    beforeOwnCommit.clear();
    for (WaitingRead w : waiting) leaderReadIndex(w.from(), w.context());
  }

  /** A follower: the leader answered a read it forwarded. */
  void onReadIndexResponse(long index, ByteString context) {
    readStates.add(new ReadState(index, context));
  }

  private void serve(long from, long index, ByteString context) {
    if (from == r.id) readStates.add(new ReadState(index, context));
    else r.send(msg(MSG_READ_INDEX_RESPONSE, from).setIndex(index).setContext(context));
  }

  /** Context of the newest waiting read, which heartbeats carry (a lost round is retried). */
  ByteString lastContext() {
    return readOnly.lastContext();
  }

  boolean roundPending() {
    return roundPending;
  }

  /** Whether a round is owed; clears it (the caller sends the heartbeats). */
  boolean takeRoundPending() {
    boolean owed = roundPending;
    roundPending = false;
    return owed;
  }

  /** A role change: waiting reads are dropped (their clients retry). */
  void clear() {
    readOnly.clear();
    beforeOwnCommit.clear();
    roundPending = false;
  }

  /** A new leadership: no lease evidence and no forfeit carried over from an earlier term. */
  void resetLease() {
    heartbeatAcked.clear();
    leaseForfeited = false;
  }
}
