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
import static io.raftjvm.proto.MessageType.MSG_VOTE_RESPONSE;

import com.google.protobuf.ByteString;
import io.raftjvm.core.quorum.VoteResult;
import io.raftjvm.core.tracker.Progress;
import io.raftjvm.core.tracker.ProgressTracker;
import io.raftjvm.proto.ConfChange;
import io.raftjvm.proto.ConfChangeType;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.MessageType;
import io.raftjvm.proto.Snapshot;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The state of one Raft server (Figure 2) and the dispatch of every event to it. Per-role message
 * handling lives in {@link LeaderSteps}, {@link CandidateSteps} and {@link FollowerSteps}; roles
 * change only in the {@code becomeX} methods.
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

  /**
   * Leader: its appended batches not yet committed, oldest first, as {lastIndex, bytes}; and their
   * total bytes. Bounds the uncommitted log (RaftConfig.maxUncommittedBytes). Cleared on role
   * change.
   */
  private final ArrayDeque<long[]> uncommitted = new ArrayDeque<>();

  private long uncommittedBytes;

  /** Leader: reads waiting for a heartbeat round (thesis §6.4). */
  final ReadOnly readOnly = new ReadOnly();

  /** Reads that may be served once applied up to their index. Drained by RaftNode.ready. */
  final List<ReadState> readStates = new ArrayList<>();

  /** Ticks since this server started: the leader's clock for its lease. */
  private long ticks;

  /** Leader: per member, the latest tick at which a heartbeat it acknowledged was sent. */
  private final Map<Long, Long> heartbeatAcked = new HashMap<>();

  /**
   * Leader: it sent TimeoutNow this term, so a voter may elect another leader at any moment (its
   * vote bypasses the lease): no lease reads until the next term.
   */
  private boolean leaseForfeited;

  /** Leader: reads queued since the last flush need a heartbeat round. */
  private boolean readRoundPending;

  /** Leader: reads that arrived before an entry of its term committed. */
  private final List<WaitingRead> readsBeforeOwnCommit = new ArrayList<>();

  private record WaitingRead(long from, ByteString context) {}

  /** The configuration the tracker holds; replaced when the log's latest configuration changes. */
  private ConfState trackedConf;

  Raft(RaftConfig cfg, Storage storage) {
    this.id = cfg.id();
    this.cfg = cfg;
    this.logger = cfg.logger();
    this.log = new RaftLog(storage, cfg.maxApplyBytes(), logger);
    this.tracker = new ProgressTracker(cfg.maxInflightMsgs(), cfg.maxInflightBytes());
    Storage.InitialState init = storage.initialState();
    trackedConf = log.confs.current();
    tracker.applyConf(trackedConf, 0, log.lastIndex() + 1);
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

  /**
   * Whether this server may campaign: a voter of its latest configuration; or one that the latest,
   * uncommitted configuration entry removes. The second keeps a cluster live when a leader that
   * removed itself loses leadership before the removal commits: its log may be the only one
   * electable, and it can win (by a majority of the new configuration, not counting itself), commit
   * the removal and step down. Learners never campaign.
   */
  boolean promotable() {
    if (log.unstable.snapshot() != null) return false;
    if (tracker.isVoter(id)) return true;
    ConfState before = log.confs.previous();
    return before != null
        && log.confs.lastIndex() > log.committed()
        && before.getVotersList().contains(id);
  }

  // ---------------------------------------------------------------- sending

  /** Fills in from (and term, unless set) and routes the message to the right outbox. */
  void send(Message.Builder m) {
    m.setFrom(id);
    if (m.getTerm() == 0) m.setTerm(term);
    Message msg = m.build();
    if (isLeaderTraffic(msg.getType())) msgs.add(msg);
    else msgsAfterPersist.add(msg);
  }

  static boolean isLeaderTraffic(MessageType t) {
    return t == MSG_APPEND || t == MSG_HEARTBEAT || t == MSG_SNAPSHOT || t == MSG_TIMEOUT_NOW;
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
    if (readRoundPending) {
      readRoundPending = false;
      bcastHeartbeat(readOnly.lastContext()); // acking the newest read confirms all before it
    }
    pendingAppends.forEach((peer, sendIfEmpty) -> LeaderSteps.sendAppends(this, peer, sendIfEmpty));
    pendingAppends.clear();
  }

  /** Heartbeats carry the newest waiting read's context, so a round that was lost is retried. */
  void bcastHeartbeat() {
    bcastHeartbeat(readOnly.lastContext());
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
    clearUncommitted();
    clearReads();
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
    clearUncommitted();
    clearReads();
    heartbeatAcked.clear();
    leaseForfeited = false;
    electionElapsed = 0;
    heartbeatElapsed = 0;
    tracker.resetProgress(log.lastIndex() + 1);
    tracker.resetRecentActive(id);
    // Our own durable prefix counts at once; the rest is acknowledged as it becomes durable.
    // Absent when elected while the latest, uncommitted configuration removes us (see promotable).
    Progress self = tracker.get(id);
    if (self != null) self.onAppendAck(log.lastStableIndex());
    logger.info("{} became leader at term {}", id, term);
    // §5.4.2 / thesis §6.4: an entry of the new term lets earlier entries commit.
    appendEntries(List.of(Entry.getDefaultInstance()));
  }

  void resetElectionTimer() {
    electionElapsed = 0;
    randomizedElectionTimeout = cfg.electionTicks() + cfg.random().nextInt(cfg.electionTicks());
  }

  /** Leader: appends entries (term and index filled in) and owes every follower an append. */
  long appendEntries(List<Entry> ents) {
    long li = log.lastIndex();
    List<Entry> stamped = new ArrayList<>(ents.size());
    for (Entry e : ents) stamped.add(e.toBuilder().setTerm(term).setIndex(++li).build());
    log.append(stamped);
    syncConf();
    long bytes = Entries.sizeOf(stamped);
    uncommitted.addLast(new long[] {li, bytes});
    uncommittedBytes += bytes;
    // Our own acknowledgement, counted once the entries are durable here (thesis §10.2.1).
    send(msg(MSG_APPEND_RESPONSE, id).setIndex(li));
    bcastAppend();
    return li;
  }

  /**
   * Leader: whether a proposal of bytes fits the uncommitted budget (always when nothing is
   * pending).
   */
  boolean admitsProposal(long bytes) {
    long max = cfg.maxUncommittedBytes();
    return max == 0 || uncommittedBytes == 0 || uncommittedBytes + bytes <= max;
  }

  long uncommittedBytes() {
    return uncommittedBytes;
  }

  /** Leader: forgets batches that are now committed. */
  void releaseCommitted() {
    long committed = log.committed();
    while (!uncommitted.isEmpty() && uncommitted.peekFirst()[0] <= committed) {
      uncommittedBytes -= uncommitted.pollFirst()[1];
    }
  }

  private void clearUncommitted() {
    uncommitted.clear();
    uncommittedBytes = 0;
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
    leaseForfeited = true;
    logger.info("{} sends timeout-now to {}: it is up to date", id, target);
    send(msg(MSG_TIMEOUT_NOW, target));
  }

  // ---------------------------------------------------------------- membership (thesis ch. 4)

  /**
   * Leader: appends a single-server change (thesis §4.1). A server uses the latest configuration in
   * its log from the moment it appends it, committed or not; so one change may be in flight at a
   * time, and a new leader first commits an entry of its own term (the fix to single-server changes
   * in thesis §4.1, Ongaro's 2015 erratum): otherwise two leaders could each append a change to a
   * different configuration and have disjoint majorities.
   *
   * @return the index of the configuration entry
   */
  long proposeConfChange(ConfChange cc) {
    if (role != Role.LEADER) throw new NotLeaderException(id, lead);
    if (leadTransferee != NONE) {
      throw new ProposalDroppedException(
          "node " + id + " is handing leadership to " + leadTransferee);
    }
    if (cc.getType() == ConfChangeType.CONF_INITIAL) {
      throw new ConfChangeRejectedException(
          "the initial configuration is written at bootstrap, not proposed", false);
    }
    try {
      ConfChanges.apply(log.confs.current(), cc);
    } catch (IllegalArgumentException e) {
      throw new ConfChangeRejectedException(e.getMessage(), false);
    }
    if (log.termOrZero(log.committed()) != term) {
      throw new ConfChangeRejectedException(
          "leader "
              + id
              + " has not yet committed an entry of its term "
              + term
              + "; retry shortly",
          true);
    }
    long pending = log.confs.lastIndex();
    if (pending > log.applied()) {
      throw new ConfChangeRejectedException(
          "the configuration change at index "
              + pending
              + " is still pending (one change at a time); retry once it is applied",
          true);
    }
    if (cc.getType() == ConfChangeType.CONF_PROMOTE) {
      // Thesis §4.2.1: a server that cannot keep up would leave the cluster unavailable while it
      // catches up; promote it only once it holds everything committed.
      Progress pr = tracker.get(cc.getNodeId());
      if (!pr.recentActive() || pr.match() < log.committed()) {
        throw new ConfChangeRejectedException(
            "learner "
                + cc.getNodeId()
                + " is not caught up (match "
                + pr.match()
                + ", commit "
                + log.committed()
                + (pr.recentActive() ? "" : ", not heard from recently")
                + "); retry shortly",
            true);
      }
    }
    logger.info(
        "{} [term {}] proposes configuration change {} {}", id, term, cc.getType(), cc.getNodeId());
    return appendEntries(
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
  void syncConf() {
    ConfState conf = log.confs.current();
    if (conf == trackedConf) return;
    trackedConf = conf;
    tracker.reconfigure(conf, log.lastIndex());
    logger.info(
        "{} [term {}] switched to configuration [voters: {}, learners: {}] from index {}",
        id,
        term,
        conf.getVotersList(),
        conf.getLearnersList(),
        log.confs.lastIndex());
    if (role != Role.LEADER) return;
    if (leadTransferee != NONE && !tracker.isVoter(leadTransferee)) {
      logger.info("{} aborted leadership transfer to {}: no longer a voter", id, leadTransferee);
      leadTransferee = NONE;
    }
    // Removing a slow voter may let entries commit at once.
    if (LeaderSteps.maybeCommit(this)) bcastAppend();
  }

  /**
   * Leader: once the configuration that removed it commits, it steps down (thesis §4.2.2). It first
   * tells the most up-to-date voter to campaign at once, so the cluster does not wait an election
   * timeout for a new leader.
   */
  void maybeStepDownRemoved() {
    if (role != Role.LEADER || tracker.isVoter(id) || log.confs.lastIndex() > log.committed())
      return;
    flushAppends(); // the commit news first
    long best = NONE;
    long bestMatch = -1;
    for (var e : tracker.progress().entrySet()) {
      if (!e.getValue().isLearner() && e.getValue().match() > bestMatch) {
        best = e.getKey();
        bestMatch = e.getValue().match();
      }
    }
    logger.info(
        "{} [term {}] steps down: the configuration removing it committed at {}",
        id,
        term,
        log.confs.lastIndex());
    if (best != NONE && bestMatch == log.lastIndex()) sendTimeoutNow(best);
    becomeFollower(term, NONE);
  }

  ConfState confState() {
    return log.confs.current();
  }

  // ---------------------------------------------------------------- reads (thesis §6.4)

  /** A read for context: served here if leading, else forwarded to the leader. */
  void readIndex(ByteString context) {
    if (role == Role.LEADER) {
      leaderReadIndex(id, context);
    } else if (lead != NONE) {
      send(msg(MSG_READ_INDEX, lead).setContext(context));
    } else {
      throw new NotLeaderException(id, NONE);
    }
  }

  /**
   * Leader: a read from server from (itself included). A new leader first commits an entry of its
   * term: until then its commit index may lag what earlier leaders committed. Then the read waits
   * for a heartbeat round confirming that no other leader has taken over meanwhile.
   */
  void leaderReadIndex(long from, ByteString context) {
    if (log.termOrZero(log.committed()) != term) {
      readsBeforeOwnCommit.add(new WaitingRead(from, context));
      return;
    }
    if ((tracker.voters().size() == 1 && tracker.isVoter(id)) || leaseHolds()) {
      serveRead(from, log.committed(), context);
      return;
    }
    if (readOnly.add(log.committed(), context, from)) {
      readOnly.ack(id, context);
      readRoundPending = true; // one round at the next flush for every read queued until then
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
    if (!cfg.leaseReads() || leaseForfeited || leadTransferee != NONE) return false;
    long[] voters = tracker.voters().ids();
    long[] sent = new long[voters.length];
    for (int i = 0; i < voters.length; i++) {
      sent[i] =
          voters[i] == id ? ticks : heartbeatAcked.getOrDefault(voters[i], Long.MIN_VALUE / 2);
    }
    java.util.Arrays.sort(sent);
    long quorumSent = sent[sent.length - tracker.voters().quorum()];
    return ticks < quorumSent + cfg.electionTicks() - cfg.leaseDriftTicks();
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
    if (tracker.voters().voteResult(votes) != VoteResult.WON) return;
    for (ReadOnly.Pending p : readOnly.release(context)) serveRead(p.from, p.index, p.context);
  }

  /** Leader: the first entry of its term committed; reads that waited for it go ahead. */
  void onOwnTermCommitted() {
    if (readsBeforeOwnCommit.isEmpty() || log.termOrZero(log.committed()) != term) return;
    List<WaitingRead> waiting = new ArrayList<>(readsBeforeOwnCommit);
    readsBeforeOwnCommit.clear();
    for (WaitingRead r : waiting) leaderReadIndex(r.from(), r.context());
  }

  private void serveRead(long from, long index, ByteString context) {
    if (from == id) readStates.add(new ReadState(index, context));
    else send(msg(MSG_READ_INDEX_RESPONSE, from).setIndex(index).setContext(context));
  }

  private void clearReads() {
    readOnly.clear();
    readsBeforeOwnCommit.clear();
    readRoundPending = false;
  }

  boolean hasReadRoundPending() {
    return readRoundPending;
  }

  // ---------------------------------------------------------------- ticks

  void tick() {
    ticks++;
    if (role == Role.LEADER) tickHeartbeat();
    else tickElection();
  }

  private void tickElection() {
    electionElapsed++;
    if (promotable() && electionElapsed >= randomizedElectionTimeout) {
      electionElapsed = 0;
      hup();
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

  /** Starts an election (with PreVote first if configured), unless leader or not a voter. */
  void hup() {
    if (role == Role.LEADER) {
      logger.debug("{} ignoring election: already leader", id);
      return;
    }
    if (!promotable()) {
      logger.warn("{} is unpromotable and can not campaign", id);
      return;
    }
    logger.info("{} is starting a new election at term {}", id, term);
    campaign(cfg.preVote());
  }

  void campaign(boolean pre) {
    campaign(pre, false);
  }

  /** Starts a (pre-)election; transfer marks a campaign the old leader asked for (thesis §3.10). */
  void campaign(boolean pre, boolean transfer) {
    long voteTerm;
    MessageType type;
    if (pre) {
      becomePreCandidate();
      voteTerm = term + 1;
      type = MSG_PRE_VOTE;
    } else {
      becomeCandidate();
      voteTerm = term;
      type = MSG_VOTE;
    }
    resetElectionTimer();
    MessageType respType = pre ? MSG_PRE_VOTE_RESPONSE : MSG_VOTE_RESPONSE;
    for (long voter : tracker.voters().ids()) {
      if (voter == id) {
        // Counted once our term and vote are durable.
        send(msg(respType, id).setTerm(voteTerm));
        continue;
      }
      logger.info(
          "{} [logterm: {}, index: {}] sent {} request to {} at term {}",
          id,
          log.lastTerm(),
          log.lastIndex(),
          type,
          voter,
          term);
      send(
          msg(type, voter)
              .setTerm(voteTerm)
              .setIndex(log.lastIndex())
              .setLogTerm(log.lastTerm())
              .setTransfer(transfer));
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
        // Thesis §4.2.3 / §9.6: while a leader is heard from, ignore requests to replace it.
        boolean leaseHolds =
            lead != NONE
                && electionElapsed < cfg.electionTicks()
                && (cfg.checkQuorum() || m.getType() == MSG_PRE_VOTE)
                && !m.getTransfer();
        if (leaseHolds) {
          logger.info(
              "{} [logterm: {}, index: {}, vote: {}] ignored {} from {} [logterm: {}, index: {}] at term {}:"
                  + " lease is not expired (remaining ticks: {})",
              id,
              log.lastTerm(),
              log.lastIndex(),
              vote,
              m.getType(),
              m.getFrom(),
              m.getLogTerm(),
              m.getIndex(),
              term,
              cfg.electionTicks() - electionElapsed);
          return;
        }
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
      case MSG_VOTE, MSG_PRE_VOTE -> handleVoteRequest(m);
      default -> {
        switch (role) {
          case LEADER -> LeaderSteps.step(this, m);
          case CANDIDATE, PRE_CANDIDATE -> CandidateSteps.step(this, m);
          case FOLLOWER -> FollowerSteps.step(this, m);
        }
      }
    }
    syncConf();
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
      logger.info(
          "{} [logterm: {}, index: {}, vote: {}] rejected {} from {} [logterm: {}, index: {}] at term {}",
          id,
          log.lastTerm(),
          log.lastIndex(),
          vote,
          m.getType(),
          m.getFrom(),
          m.getLogTerm(),
          m.getIndex(),
          term);
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

  /** RequestVote receiver (Figure 2, §5.2, §5.4.1), and its PreVote twin (thesis §9.6). */
  private void handleVoteRequest(Message m) {
    boolean pre = m.getType() == MSG_PRE_VOTE;
    MessageType respType = pre ? MSG_PRE_VOTE_RESPONSE : MSG_VOTE_RESPONSE;
    boolean canVote =
        vote == m.getFrom() || (vote == NONE && lead == NONE) || (pre && m.getTerm() > term);
    if (canVote && log.isUpToDate(m.getIndex(), m.getLogTerm())) {
      logger.info(
          "{} [logterm: {}, index: {}, vote: {}] cast {} for {} [logterm: {}, index: {}] at term {}",
          id,
          log.lastTerm(),
          log.lastIndex(),
          vote,
          m.getType(),
          m.getFrom(),
          m.getLogTerm(),
          m.getIndex(),
          term);
      // The grant carries the candidate's term; for a pre-vote that is the term it would campaign
      // in.
      send(msg(respType, m.getFrom()).setTerm(m.getTerm()));
      if (!pre) {
        vote = m.getFrom();
        resetElectionTimer();
      }
    } else {
      logger.info(
          "{} [logterm: {}, index: {}, vote: {}] rejected {} from {} [logterm: {}, index: {}] at term {}",
          id,
          log.lastTerm(),
          log.lastIndex(),
          vote,
          m.getType(),
          m.getFrom(),
          m.getLogTerm(),
          m.getIndex(),
          term);
      send(msg(respType, m.getFrom()).setReject(true));
    }
  }

  // ---------------------------------------------------------------- follower-side handlers

  /** AppendEntries receiver (Figure 2, §5.3), with a backtracking hint on rejection. */
  void handleAppend(Message m) {
    if (m.getIndex() < log.committed()) {
      send(msg(MSG_APPEND_RESPONSE, m.getFrom()).setIndex(log.committed()));
      return;
    }
    long lastNew = log.maybeAppend(m.getIndex(), m.getLogTerm(), m.getCommit(), m.getEntriesList());
    if (lastNew >= 0) {
      send(msg(MSG_APPEND_RESPONSE, m.getFrom()).setIndex(lastNew));
      return;
    }
    // Our log is shorter or disagrees at prevIndex. Hint the last index that could still match:
    // the leader then skips every entry of a term we cannot have (one round trip per term).
    EntryId hint = log.findConflictByTerm(Math.min(m.getIndex(), log.lastIndex()), m.getLogTerm());
    logger.debug(
        "{} [logterm: {}, index: {}] rejected append [logterm: {}, index: {}] from {}",
        id,
        log.termOrZero(m.getIndex()),
        m.getIndex(),
        m.getLogTerm(),
        m.getIndex(),
        m.getFrom());
    send(
        msg(MSG_APPEND_RESPONSE, m.getFrom())
            .setIndex(m.getIndex())
            .setReject(true)
            .setRejectHint(hint.index())
            .setLogTerm(hint.term()));
  }

  void handleHeartbeat(Message m) {
    log.commitTo(m.getCommit());
    send(
        msg(MSG_HEARTBEAT_RESPONSE, m.getFrom()).setContext(m.getContext()).setIndex(m.getIndex()));
  }

  /** InstallSnapshot receiver (§7). */
  void handleSnapshot(Message m) {
    Snapshot s = m.getSnapshot();
    long sindex = s.getMetadata().getIndex();
    long sterm = s.getMetadata().getTerm();
    if (restore(s)) {
      logger.info(
          "{} [commit: {}] restored snapshot [index: {}, term: {}]",
          id,
          log.committed(),
          sindex,
          sterm);
      send(msg(MSG_APPEND_RESPONSE, m.getFrom()).setIndex(log.lastIndex()));
    } else {
      logger.info(
          "{} [commit: {}] ignored snapshot [index: {}, term: {}]",
          id,
          log.committed(),
          sindex,
          sterm);
      send(msg(MSG_APPEND_RESPONSE, m.getFrom()).setIndex(log.committed()));
    }
  }

  private boolean restore(Snapshot s) {
    long sindex = s.getMetadata().getIndex();
    if (cfg.planted(PlantedFault.SNAPSHOT_OVER_NEWER_STATE)
        && sindex > 0
        && sindex <= log.committed()) {
      log.restore(s); // the bug: what this node committed after the snapshot is thrown away
      syncConf();
      return true;
    }
    if (sindex <= log.committed()) return false;
    if (log.matchTerm(sindex, s.getMetadata().getTerm())) {
      // We already have the snapshot's last entry: just move commit forward.
      log.commitTo(sindex);
      return false;
    }
    log.restore(s);
    syncConf();
    return true;
  }
}
