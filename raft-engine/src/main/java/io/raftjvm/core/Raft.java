package io.raftjvm.core;

import static io.raftjvm.proto.MessageType.MSG_APPEND;
import static io.raftjvm.proto.MessageType.MSG_APPEND_RESPONSE;
import static io.raftjvm.proto.MessageType.MSG_HEARTBEAT;
import static io.raftjvm.proto.MessageType.MSG_HEARTBEAT_RESPONSE;
import static io.raftjvm.proto.MessageType.MSG_PRE_VOTE;
import static io.raftjvm.proto.MessageType.MSG_PRE_VOTE_RESPONSE;
import static io.raftjvm.proto.MessageType.MSG_READ_INDEX;
import static io.raftjvm.proto.MessageType.MSG_READ_INDEX_RESPONSE;
import static io.raftjvm.proto.MessageType.MSG_SNAPSHOT;
import static io.raftjvm.proto.MessageType.MSG_TIMEOUT_NOW;
import static io.raftjvm.proto.MessageType.MSG_VOTE;

import com.google.protobuf.ByteString;
import io.raftjvm.core.tracker.Progress;
import io.raftjvm.core.tracker.ProgressTracker;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.MessageType;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The state of one Raft server (Figure 2) and the dispatch of every event to it. Per-role message
 * handling lives in {@link LeaderSteps}, {@link CandidateSteps} and {@link FollowerSteps},
 * elections in {@link Elections}, membership changes in {@link Reconfiguration}, ReadIndex and
 * leases in {@link LinearizableReads}; roles change only in the {@code becomeX} methods.
 *
 * <p>Never sends: messages go to two outboxes that {@link RaftNode#ready()} drains. Leader-to-
 * follower traffic may leave at once; everything else (responses, vote requests, a candidate's vote
 * for itself, a leader's acknowledgement of its own entries) promises persisted state and leaves
 * only after the Ready it belongs to is durable.
 *
 * <p>Not thread-safe; no clock, no I/O, no randomness except {@link RaftConfig#random()}.
 */
final class Raft {
  static final long NONE = 0;

  final long id;
  final RaftConfig cfg;
  final RaftLogger logger;
  final RaftLog log;
  final ProgressTracker tracker;

  /** Latest term seen (§5.1). Persisted. Changed by becomeFollower/becomeCandidate. */
  long term;

  /** Candidate voted for in term, or NONE. Persisted. */
  long vote;

  /** Leader of term as far as known, or NONE. */
  long lead = NONE;

  Role role = Role.FOLLOWER;

  /** Leader: the voter leadership is being handed to (thesis §3.10), or NONE. */
  long leadTransferee = NONE;

  /**
   * Ticks since the election timer was last reset (follower, candidate), or since the last
   * CheckQuorum round (leader).
   */
  int electionElapsed;

  /** Leader only: ticks since the last heartbeat broadcast. */
  int heartbeatElapsed;

  /** Election timeout drawn from [electionTicks, 2 * electionTicks) at each reset (§5.2). */
  int randomizedElectionTimeout;

  /** Messages that may leave now (leader to follower traffic). Drained by RaftNode.ready. */
  final List<Message> msgs = new ArrayList<>();

  /** Messages that leave once the current Ready is durable. Drained by RaftNode.ready. */
  final List<Message> msgsAfterPersist = new ArrayList<>();

  /**
   * Leader: followers owed an append at the next flush, mapped to whether an empty append is wanted
   * (commit news or a probe). Coalescing here is what batches proposals and acks into one append.
   */
  private final TreeMap<Long, Boolean> pendingAppends = new TreeMap<>();

  /** Leader: the bytes appended and not yet committed. */
  final UncommittedBudget uncommitted;

  /** Single-server membership changes (thesis ch. 4). */
  final Reconfiguration conf = new Reconfiguration(this);

  /** ReadIndex and lease reads (thesis §6.4). */
  final LinearizableReads reads = new LinearizableReads(this);

  /** Ticks since this server started: the leader's clock for its lease. */
  long ticks;

  Raft(RaftConfig cfg, Storage storage) {
    this.id = cfg.id();
    this.cfg = cfg;
    this.logger = cfg.logger();
    this.log = new RaftLog(storage, cfg.maxApplyBytes(), logger);
    this.tracker = new ProgressTracker(cfg.maxInflightMsgs(), cfg.maxInflightBytes());
    this.uncommitted = new UncommittedBudget(cfg.maxUncommittedBytes());
    Storage.InitialState init = storage.initialState();
    conf.start();
    HardState hs = init.hardState();
    if (hs.getCommit() > log.lastIndex()) {
      throw new IllegalStateException(
          id
              + " state.commit "
              + hs.getCommit()
              + " is out of range ["
              + log.committed()
              + ", "
              + log.lastIndex()
              + "]");
    }
    log.commitTo(hs.getCommit());
    term = hs.getTerm();
    vote = hs.getVote();
    if (cfg.applied() > 0) log.restoreApplied(cfg.applied());
    becomeFollower(term, NONE);
    resetElectionTimer();
    logger.info(
        "{} started [voters: {}, term: {}, commit: {}, applied: {}, lastindex: {}, lastterm: {}]",
        id,
        tracker.voters(),
        term,
        log.committed(),
        log.applied(),
        log.lastIndex(),
        log.lastTerm());
  }

  HardState hardState() {
    return HardState.newBuilder().setTerm(term).setVote(vote).setCommit(log.committed()).build();
  }

  SoftState softState() {
    return new SoftState(lead, role);
  }

  // ---------------------------------------------------------------- sending

  /** Fills in from (and term, unless set) and routes the message to the right outbox. */
  void send(Message.Builder m) {
    m.setFrom(id);
    if (m.getTerm() == 0) m.setTerm(term);
    Message msg = m.build();
    if (msg.getType() == MSG_APPEND) cfg.metrics().appendSent(msg.getEntriesCount());
    else if (msg.getType() == MSG_SNAPSHOT) cfg.metrics().snapshotSent();
    if (leavesAtOnce(msg.getType())) msgs.add(msg);
    else msgsAfterPersist.add(msg);
  }

  /**
   * Messages that promise nothing this server has yet to persist, so they need not wait for its
   * disk. Leader-to-follower traffic: a leader's appends leave before its own write of the same
   * entries (thesis §10.2.1). The messages of reads: a heartbeat response says only that this
   * server took the sender for its leader when it answered; a server that crashes before its new
   * term is durable cast no vote in that term (votes leave after persisting), so forgetting the
   * term elects nobody early and the ReadIndex argument (thesis §6.4) holds. Read index requests
   * and answers carry a commit index, durable on a majority already. Waiting for the disk put a
   * follower's sync into every read round.
   */
  static boolean leavesAtOnce(MessageType t) {
    return switch (t) {
      case MSG_APPEND, MSG_HEARTBEAT, MSG_SNAPSHOT, MSG_TIMEOUT_NOW -> true;
      case MSG_HEARTBEAT_RESPONSE, MSG_READ_INDEX, MSG_READ_INDEX_RESPONSE -> true;
      default -> false;
    };
  }

  static Message.Builder msg(MessageType type, long to) {
    return Message.newBuilder().setType(type).setTo(to);
  }

  /** Leader: every follower is owed an append, empty if need be (new entries or commit news). */
  void bcastAppend() {
    for (long peer : tracker.progress().keySet()) {
      if (peer != id) pendingAppends.put(peer, true);
    }
  }

  void queueAppend(long peer, boolean sendIfEmpty) {
    pendingAppends.merge(peer, sendIfEmpty, Boolean::logicalOr);
  }

  boolean hasPendingAppends() {
    return !pendingAppends.isEmpty();
  }

  /**
   * Sends the appends queued since the last flush: one or more per follower, as flow control
   * allows.
   */
  void flushAppends() {
    if (role != Role.LEADER) {
      pendingAppends.clear();
      return;
    }
    if (reads.takeRoundPending()) {
      bcastHeartbeat(reads.lastContext()); // acking the newest read confirms all before it
    }
    pendingAppends.forEach((peer, sendIfEmpty) -> LeaderSteps.sendAppends(this, peer, sendIfEmpty));
    pendingAppends.clear();
  }

  /** Heartbeats carry the newest waiting read's context, so a round that was lost is retried. */
  void bcastHeartbeat() {
    bcastHeartbeat(reads.lastContext());
  }

  void bcastHeartbeat(ByteString context) {
    tracker
        .progress()
        .forEach(
            (peer, pr) -> {
              if (peer == id) return;
              send(
                  msg(MSG_HEARTBEAT, peer)
                      .setCommit(Math.min(pr.match(), log.committed()))
                      .setContext(context)
                      .setIndex(ticks));
            });
  }

  // ---------------------------------------------------------------- roles

  /**
   * Becomes a follower in term t (§5.1: a server that sees a higher term steps down). Does not
   * reset the election timer: only hearing the leader, starting an election or granting a vote do.
   */
  void becomeFollower(long t, long leader) {
    if (t != term) {
      term = t;
      vote = NONE;
    }
    tracker.resetVotes();
    pendingAppends.clear();
    uncommitted.clear();
    reads.clear();
    leadTransferee = NONE;
    lead = leader;
    if (role != Role.FOLLOWER) logger.info("{} became follower at term {}", id, term);
    role = Role.FOLLOWER;
  }

  void becomePreCandidate() {
    if (role == Role.LEADER)
      throw new IllegalStateException(id + " invalid transition [leader -> pre-candidate]");
    tracker.resetVotes();
    lead = NONE;
    role = Role.PRE_CANDIDATE;
    logger.info("{} became pre-candidate at term {}", id, term);
  }

  void becomeCandidate() {
    if (role == Role.LEADER)
      throw new IllegalStateException(id + " invalid transition [leader -> candidate]");
    term++;
    vote = id;
    tracker.resetVotes();
    lead = NONE;
    role = Role.CANDIDATE;
    logger.info("{} became candidate at term {}", id, term);
  }

  void becomeLeader() {
    if (role == Role.FOLLOWER)
      throw new IllegalStateException(id + " invalid transition [follower -> leader]");
    role = Role.LEADER;
    lead = id;
    leadTransferee = NONE;
    uncommitted.clear();
    reads.clear();
    reads.resetLease();
    electionElapsed = 0;
    heartbeatElapsed = 0;
    tracker.resetProgress(log.lastIndex() + 1);
    tracker.resetRecentActive(id);
    // Our own durable prefix counts at once; the rest is acknowledged as it becomes durable.
    // Absent when elected while the latest, uncommitted configuration removes us (see promotable).
    Progress self = tracker.get(id);
    if (self != null) self.onAppendAck(log.lastStableIndex());
    logger.info("{} became leader at term {}", id, term);
    cfg.metrics().electionWon();
    // §5.4.2 / thesis §6.4: an entry of the new term lets earlier entries commit.
    appendEntries(List.of(Entry.getDefaultInstance()));
  }

  /**
   * A follower forgets its leader: it stays a leaderless follower of its term, without campaigning,
   * and so grants (pre-)votes at once instead of ignoring them while the leader was recently heard
   * from (thesis §4.2.3). For an owner that knows the leader is gone (an external failure detector,
   * the leader's own shutdown): an election can follow without waiting out the election timeout.
   * Hearing from the leader again makes it a normal follower.
   */
  void forgetLeader() {
    if (role != Role.FOLLOWER || lead == NONE) return;
    logger.info("{} forgot leader {} at term {}", id, lead, term);
    lead = NONE;
  }

  void resetElectionTimer() {
    electionElapsed = 0;
    randomizedElectionTimeout = cfg.electionTicks() + cfg.random().nextInt(cfg.electionTicks());
  }

  /**
   * Leader: appends entries (term and index filled in, unless the caller built them with this term
   * and the next indexes) and owes every follower an append.
   */
  long appendEntries(List<Entry> ents) {
    long after = log.lastIndex();
    List<Entry> stamped = ents;
    if (!stampedAfter(after, ents)) {
      stamped = new ArrayList<>(ents.size());
      long i = after;
      for (Entry e : ents) stamped.add(e.toBuilder().setTerm(term).setIndex(++i).build());
    }
    long li = after + ents.size();
    log.append(stamped);
    conf.sync();
    long bytes = Entries.sizeOf(stamped);
    uncommitted.add(li, bytes);
    // Our own acknowledgement, counted once the entries are durable here (thesis §10.2.1).
    send(msg(MSG_APPEND_RESPONSE, id).setIndex(li));
    bcastAppend();
    return li;
  }

  /** Whether ents already carry this term and the indexes that follow last. */
  private boolean stampedAfter(long last, List<Entry> ents) {
    for (int i = 0; i < ents.size(); i++) {
      Entry e = ents.get(i);
      if (e.getTerm() != term || e.getIndex() != last + 1 + i) return false;
    }
    return true;
  }

  /**
   * Leader: hands leadership to target (thesis §3.10): brings it up to date, then tells it to start
   * an election at once. Proposals are refused meanwhile; the transfer is abandoned after an
   * election timeout.
   */
  void transferLeadership(long target) {
    if (role != Role.LEADER) throw new NotLeaderException(id, lead);
    if (target == id) return;
    if (!tracker.isVoter(target)) {
      throw new IllegalArgumentException(
          "cannot transfer leadership to " + target + ": not a voter");
    }
    if (leadTransferee == target) return;
    logger.info("{} [term {}] starts to transfer leadership to {}", id, term, target);
    leadTransferee = target;
    electionElapsed = 0;
    if (tracker.get(target).match() == log.lastIndex()) sendTimeoutNow(target);
    else queueAppend(target, true);
  }

  void sendTimeoutNow(long target) {
    reads.forfeitLease();
    logger.info("{} sends timeout-now to {}: it is up to date", id, target);
    send(msg(MSG_TIMEOUT_NOW, target));
  }

  // ---------------------------------------------------------------- ticks

  void tick() {
    ticks++;
    if (role == Role.LEADER) tickHeartbeat();
    else tickElection();
  }

  private void tickElection() {
    electionElapsed++;
    if (conf.promotable() && electionElapsed >= randomizedElectionTimeout) {
      electionElapsed = 0;
      Elections.hup(this);
    }
  }

  private void tickHeartbeat() {
    heartbeatElapsed++;
    electionElapsed++;
    if (electionElapsed >= cfg.electionTicks()) {
      electionElapsed = 0;
      if (leadTransferee != NONE) {
        logger.info(
            "{} aborted leadership transfer to {}: not done within an election timeout",
            id,
            leadTransferee);
        leadTransferee = NONE;
      }
      if (cfg.checkQuorum()) {
        if (!tracker.quorumActive(id)) {
          logger.warn("{} stepped down to follower since quorum is not active", id);
          cfg.metrics().checkQuorumStepDown();
          becomeFollower(term, NONE);
          return;
        }
        tracker.resetRecentActive(id);
      }
    }
    if (heartbeatElapsed >= cfg.heartbeatTicks()) {
      heartbeatElapsed = 0;
      bcastHeartbeat();
    }
  }

  // ---------------------------------------------------------------- step

  void step(Message m) {
    if (m.getTerm() == 0) {
      logger.warn("{} ignored a {} message from {} without a term", id, m.getType(), m.getFrom());
      return;
    }
    if (m.getTerm() > term) {
      if (m.getType() == MSG_VOTE || m.getType() == MSG_PRE_VOTE) {
        if (Elections.ignoresVoteRequest(this, m)) return;
      }
      if (m.getType() == MSG_PRE_VOTE) {
        // A pre-vote request never changes our term.
      } else if (m.getType() == MSG_PRE_VOTE_RESPONSE && !m.getReject()) {
        // Granted pre-votes carry the term we would campaign in; counted by CandidateSteps.
      } else {
        logger.info(
            "{} [term: {}] received a {} message with higher term from {} [term: {}]",
            id,
            term,
            m.getType(),
            m.getFrom(),
            m.getTerm());
        boolean fromLeader =
            m.getType() == MSG_APPEND
                || m.getType() == MSG_HEARTBEAT
                || m.getType() == MSG_SNAPSHOT;
        becomeFollower(m.getTerm(), fromLeader ? m.getFrom() : NONE);
      }
    } else if (m.getTerm() < term) {
      stepStale(m);
      return;
    }

    switch (m.getType()) {
      case MSG_VOTE, MSG_PRE_VOTE -> Elections.handleVoteRequest(this, m);
      default -> {
        switch (role) {
          case LEADER -> LeaderSteps.step(this, m);
          case CANDIDATE, PRE_CANDIDATE -> CandidateSteps.step(this, m);
          case FOLLOWER -> FollowerSteps.step(this, m);
        }
      }
    }
    conf.sync();
  }

  /**
   * A message from an older term: ignored, except that a stale leader or pre-candidate learns our
   * term.
   */
  private void stepStale(Message m) {
    if (m.getType() == MSG_APPEND || m.getType() == MSG_HEARTBEAT) {
      // §5.1: a request with a stale term is rejected, and the reply carries the current term.
      // Without it a leader cut off and then reconnected would never learn it was deposed (with
      // PreVote nobody raises the term on it, with CheckQuorum nobody votes it out), and a server
      // re-added as a learner while it held a higher term and an old configuration, whose own
      // elections reach nobody in the leader's, would never catch up (found by the whole-node
      // simulation, membership seed 2079, with neither PreVote nor CheckQuorum).
      send(msg(MSG_APPEND_RESPONSE, m.getFrom()));
    } else if (m.getType() == MSG_PRE_VOTE) {
      Elections.logVote(this, m, "rejected");
      send(msg(MSG_PRE_VOTE_RESPONSE, m.getFrom()).setReject(true));
    } else {
      logger.debug(
          "{} [term: {}] ignored a {} message with lower term from {} [term: {}]",
          id,
          term,
          m.getType(),
          m.getFrom(),
          m.getTerm());
    }
  }
}
