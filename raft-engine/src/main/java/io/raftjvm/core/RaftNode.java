package io.raftjvm.core;

import com.google.protobuf.ByteString;
import io.raftjvm.core.tracker.Progress;
import io.raftjvm.proto.ConfChange;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.Snapshot;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Raft consensus as a deterministic state machine: the public, single-threaded façade of the core.
 *
 * <p>The owner drives it with {@link #tick()}, {@link #step(Message)} and {@link #propose}, drains
 * work with {@link #ready()} while {@link #hasReady()}, carries that work out as {@link Ready}
 * describes, and reports back with {@link #onPersisted(long)} and {@link #onApplied(long)}.
 *
 * <p>Not thread-safe: the owner calls it from one thread. No clock, no threads, no I/O inside.
 */
public final class RaftNode {
  private final Raft raft;

  /** Number of the last Ready handed out. */
  private long readyNumber;

  private SoftState prevSoft;
  private HardState prevHard;
  private ConfState prevConf;

  /** Readies handed out and not yet reported durable, oldest first. */
  private final ArrayDeque<InFlightReady> unpersisted = new ArrayDeque<>();

  /**
   * What to do once Ready number is durable: mark entries/snapshot stable, deliver self messages.
   */
  private record InFlightReady(
      long number, long lastIndex, long lastTerm, long snapshotIndex, List<Message> toSelf) {}

  private RaftNode(RaftConfig cfg, Storage storage) {
    this.raft = new Raft(cfg, storage);
    this.prevSoft = raft.softState();
    this.prevHard = raft.hardState();
    this.prevConf = raft.conf.current();
  }

  /** A node over storage, which holds its persisted state (or a bootstrapped membership). */
  public static RaftNode create(RaftConfig cfg, Storage storage) {
    return new RaftNode(cfg, storage);
  }

  /** One logical tick: drives election timeouts and heartbeats. */
  public void tick() {
    raft.tick();
  }

  /** Delivers a message from a peer. Messages addressed to another node are dropped. */
  public void step(Message m) {
    if (m.getTo() != raft.id) {
      raft.logger.warn("{} dropped a {} message addressed to {}", raft.id, m.getType(), m.getTo());
      return;
    }
    raft.step(m);
  }

  /** Starts an election now (thesis §3.10 uses this; tests and operators too). */
  public void campaign() {
    Elections.hup(raft);
  }

  /**
   * Appends a command to the leader's log. Proposals made between two {@link #ready()} calls go out
   * together in one append per follower.
   *
   * @return the entry's term and index: it is committed once an applied entry has that index and
   *     term
   * @throws NotLeaderException when this node is not the leader
   * @throws ProposalDroppedException when the leader's uncommitted log is full
   */
  public EntryId propose(ByteString data) {
    return proposeAll(List.of(data));
  }

  /** Appends several commands at once; returns the position of the last one. */
  public EntryId proposeAll(List<ByteString> commands) {
    return proposeAll(commands, EntryType.ENTRY_NORMAL);
  }

  /**
   * Appends an entry of the given type (ENTRY_NORMAL or ENTRY_SESSION, whose data the core does not
   * read); membership changes go through {@link #proposeConfChange}.
   */
  public EntryId propose(ByteString data, EntryType type) {
    return proposeAll(List.of(data), type);
  }

  /**
   * Appends several entries of one type (ENTRY_NORMAL or ENTRY_SESSION) at once; returns the
   * position of the last one.
   */
  public EntryId proposeAll(List<ByteString> commands, EntryType type) {
    if (type == EntryType.ENTRY_CONF_CHANGE) {
      throw new IllegalArgumentException("membership changes are proposed with proposeConfChange");
    }
    if (raft.role != Role.LEADER) throw new NotLeaderException(raft.id, raft.lead);
    if (raft.leadTransferee != Raft.NONE) {
      throw new ProposalDroppedException(
          "node " + raft.id + " is handing leadership to " + raft.leadTransferee);
    }
    if (commands.isEmpty()) throw new IllegalArgumentException("nothing to propose");
    // Built with their term and index: appending them copies nothing.
    List<Entry> ents = new ArrayList<>(commands.size());
    long index = raft.log.lastIndex();
    for (ByteString c : commands) {
      ents.add(
          Entry.newBuilder().setType(type).setTerm(raft.term).setIndex(++index).setData(c).build());
    }
    long bytes = Entries.sizeOf(ents);
    if (!raft.uncommitted.admits(bytes)) {
      throw new ProposalDroppedException(
          "node "
              + raft.id
              + " has "
              + raft.uncommitted.bytes()
              + " bytes uncommitted (limit "
              + raft.cfg.maxUncommittedBytes()
              + "): followers are not keeping up");
    }
    long last = raft.appendEntries(ents);
    return new EntryId(raft.term, last);
  }

  /**
   * Asks for a linearizable read (ReadIndex, thesis §6.4). The leader records its commit index and
   * confirms with a heartbeat round that it still leads; a follower asks the leader. The answer
   * comes in a later {@link Ready#readStates()} with this context: once the node has applied its
   * index, a query sees every write committed before this call. Reads are dropped when leadership
   * changes (the owner fails and retries them).
   *
   * @param context identifies the read; unique among the reads in flight
   * @throws NotLeaderException when no leader is known
   */
  public void readIndex(ByteString context) {
    raft.reads.readIndex(context);
  }

  /**
   * Proposes a single-server membership change (thesis §4.1): add a learner, promote a caught-up
   * learner, or remove a member. Every server switches to the new configuration as soon as the
   * entry is in its log; the change is done once the entry commits.
   *
   * @return the configuration entry's term and index
   * @throws NotLeaderException when this node is not the leader
   * @throws ProposalDroppedException while a leadership transfer is under way
   * @throws ConfChangeRejectedException when the change is invalid, or another is pending
   */
  public EntryId proposeConfChange(ConfChange cc) {
    long index = raft.conf.propose(cc);
    return new EntryId(raft.term, index);
  }

  /**
   * The configuration in force at index, for the metadata of a snapshot taken there: index must be
   * at or after the last snapshot reported by {@link #snapshotTaken} (or restored).
   */
  public ConfState confStateAt(long index) {
    return raft.log.confs.at(index);
  }

  /**
   * The owner made a snapshot as of index durable (its state machine image and metadata, which
   * {@link Storage#snapshot()} now returns): configurations before it are forgotten. The owner may
   * then compact the log up to index (or keep a margin of entries before it for slow followers).
   */
  public void snapshotTaken(long index) {
    if (index > raft.log.applied()) {
      throw new IllegalArgumentException(
          "snapshot at " + index + " is beyond applied " + raft.log.applied());
    }
    raft.log.confs.compact(index);
  }

  /** The configuration in force here: the latest in this node's log, committed or not. */
  public ConfState confState() {
    return raft.conf.current();
  }

  /**
   * Hands leadership to another voter (thesis §3.10): brings it up to date, then lets it start an
   * election at once. Proposals are refused until the transfer ends; it is abandoned after an
   * election timeout.
   *
   * @throws NotLeaderException when this node is not the leader
   */
  public void transferLeadership(long target) {
    raft.transferLeadership(target);
  }

  /**
   * A follower forgets its leader, so that it grants votes to a new candidate at once (see the
   * thesis §4.2.3 rule it relaxes). Ignored unless this node is a follower that knows a leader.
   */
  public void forgetLeader() {
    raft.forgetLeader();
  }

  /**
   * Transport feedback: messages to peer are not getting through; its Progress goes back to PROBE.
   */
  public void reportUnreachable(long peer) {
    if (raft.role != Role.LEADER) return;
    Progress pr = raft.tracker.get(peer);
    if (pr != null && pr.state() == io.raftjvm.core.tracker.ProgressState.REPLICATE) {
      raft.logger.debug("{} failed to send to {}, changing progress to probe", raft.id, peer);
      pr.becomeProbe();
    }
  }

  /** Transport feedback: the snapshot sent to peer arrived (success) or was lost. */
  public void reportSnapshot(long peer, boolean success) {
    if (raft.role != Role.LEADER) return;
    Progress pr = raft.tracker.get(peer);
    if (pr == null || pr.state() != io.raftjvm.core.tracker.ProgressState.SNAPSHOT) return;
    raft.logger.debug(
        "{} snapshot to {} {}, resumed sending append [{}]",
        raft.id,
        peer,
        success ? "succeeded" : "failed",
        pr);
    pr.onSnapshotReported(success);
  }

  // The log replaces its ConfState whenever the configuration changes: identity is the change test.
  @SuppressWarnings("ReferenceEquality")
  public boolean hasReady() {
    RaftLog log = raft.log;
    return (raft.role == Role.LEADER && (raft.hasPendingAppends() || raft.reads.roundPending()))
        || !raft.msgs.isEmpty()
        || !raft.msgsAfterPersist.isEmpty()
        || log.unstable.hasNextEntries()
        || log.unstable.nextSnapshot() != null
        || raft.lead != prevSoft.lead()
        || raft.role != prevSoft.role()
        || raft.term != prevHard.getTerm()
        || raft.vote != prevHard.getVote()
        || log.committed() != prevHard.getCommit()
        || raft.conf.current() != prevConf
        || !raft.reads.readStates.isEmpty()
        || log.hasNextToApply();
  }

  /** Hands out the pending work and marks it in progress. Call only when {@link #hasReady()}. */
  // The log replaces its ConfState whenever the configuration changes: identity is the change test.
  @SuppressWarnings("ReferenceEquality")
  public Ready ready() {
    raft.flushAppends();
    RaftLog log = raft.log;
    SoftState soft = raft.softState();
    HardState hard = raft.hardState();
    List<Entry> toPersist = log.unstable.nextEntries();
    Snapshot snap = log.unstable.nextSnapshot();
    List<Entry> toApply = log.nextToApply();
    List<Message> afterPersist = new ArrayList<>(raft.msgsAfterPersist.size());
    List<Message> toSelf = new ArrayList<>(2);
    for (Message m : raft.msgsAfterPersist) (m.getTo() == raft.id ? toSelf : afterPersist).add(m);
    boolean hardChanged = !hard.equals(prevHard);
    boolean mustSync =
        !toPersist.isEmpty()
            || snap != null
            || hard.getTerm() != prevHard.getTerm()
            || hard.getVote() != prevHard.getVote();
    ConfState conf = raft.conf.current();
    Ready rd =
        new Ready(
            ++readyNumber,
            soft.equals(prevSoft) ? null : soft,
            hardChanged ? hard : null,
            toPersist,
            snap,
            List.copyOf(raft.msgs),
            afterPersist,
            toApply,
            mustSync,
            conf == prevConf ? null : conf,
            List.copyOf(raft.reads.readStates));
    raft.reads.readStates.clear();
    prevConf = conf;

    log.unstable.acceptInProgress();
    if (!toApply.isEmpty()) log.acceptApplying(toApply.get(toApply.size() - 1).getIndex());
    Entry last = toPersist.isEmpty() ? null : toPersist.get(toPersist.size() - 1);
    unpersisted.add(
        new InFlightReady(
            rd.number(),
            last == null ? 0 : last.getIndex(),
            last == null ? 0 : last.getTerm(),
            snap == null ? 0 : snap.getMetadata().getIndex(),
            toSelf));
    raft.msgs.clear();
    raft.msgsAfterPersist.clear();
    prevSoft = soft;
    prevHard = hard;
    return rd;
  }

  /** Every Ready up to and including number is durable (and its snapshot restored). */
  public void onPersisted(long number) {
    if (number > readyNumber) {
      throw new IllegalStateException(
          "persisted ready " + number + " was never handed out (last " + readyNumber + ")");
    }
    while (!unpersisted.isEmpty() && unpersisted.peek().number() <= number) {
      InFlightReady p = unpersisted.poll();
      if (p.snapshotIndex() > 0) {
        raft.log.unstable.stableSnapTo(p.snapshotIndex());
        raft.log.snapshotApplied(p.snapshotIndex());
      }
      if (p.lastIndex() > 0) raft.log.unstable.stableTo(p.lastIndex(), p.lastTerm());
      for (Message m : p.toSelf()) raft.step(m);
    }
  }

  /** The state machine has applied every entry up to index (handed out in toApply). */
  public void onApplied(long index) {
    raft.log.appliedTo(index);
  }

  /** The election timeout in ticks (the low end of the randomized range). */
  public int electionTicks() {
    return raft.cfg.electionTicks();
  }

  /** Whether the deliberate bug f is planted in this node (simulation only). */
  public boolean planted(PlantedFault f) {
    return raft.cfg.planted(f);
  }

  /** What this node reports for monitoring (from its configuration). */
  public RaftMetrics metrics() {
    return raft.cfg.metrics();
  }

  /** A consistent picture of this node, for status pages and tests. */
  public Status status() {
    Map<Long, MemberProgress> progress = new TreeMap<>();
    if (raft.role == Role.LEADER) {
      raft.tracker
          .progress()
          .forEach(
              (id, pr) ->
                  progress.put(
                      id,
                      new MemberProgress(
                          pr.match(),
                          pr.next(),
                          pr.state().name(),
                          pr.isLearner(),
                          pr.recentActive(),
                          pr.inflights().count(),
                          pr.inflights().bytes())));
    }
    return new Status(
        raft.id,
        raft.term,
        raft.vote,
        raft.lead,
        raft.role,
        raft.log.committed(),
        raft.log.applied(),
        raft.log.firstIndex(),
        raft.log.lastIndex(),
        raft.conf.current(),
        progress);
  }

  public long term() {
    return raft.term;
  }

  /** Index of the last entry in this node's log, stable or not. */
  public long lastIndex() {
    return raft.log.lastIndex();
  }

  public long commitIndex() {
    return raft.log.committed();
  }

  /** Entries [lo, hi), stable or not: for tests, tools and invariant checks. */
  public List<Entry> entries(long lo, long hi) {
    return raft.log.slice(lo, hi, Long.MAX_VALUE);
  }

  /** Package-private access for tests in this package. */
  Raft raft() {
    return raft;
  }

  /**
   * A node's state at one moment.
   *
   * @param conf the configuration in force here
   * @param progress leader only: each member's replication state, by id
   */
  public record Status(
      long id,
      long term,
      long vote,
      long lead,
      Role role,
      long commit,
      long applied,
      long firstIndex,
      long lastIndex,
      ConfState conf,
      Map<Long, MemberProgress> progress) {}

  /**
   * The leader's view of one member (Figure 2's matchIndex and nextIndex).
   *
   * @param state PROBE, REPLICATE or SNAPSHOT
   * @param recentActive heard from within the last election timeout
   * @param inflight appends sent and not yet acknowledged, and their bytes
   */
  public record MemberProgress(
      long match,
      long next,
      String state,
      boolean learner,
      boolean recentActive,
      int inflight,
      long inflightBytes) {}
}
