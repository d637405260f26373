package io.raftjvm.core;

import static io.raftjvm.proto.MessageType.MSG_APPEND;
import static io.raftjvm.proto.MessageType.MSG_SNAPSHOT;

import io.raftjvm.core.tracker.Progress;
import io.raftjvm.core.tracker.ProgressState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.Snapshot;
import java.util.List;

/** How a leader handles messages and feeds its followers (§5.3, §5.4.2). */
final class LeaderSteps {
  private LeaderSteps() {}

  static void step(Raft r, Message m) {
    switch (m.getType()) {
      case MSG_APPEND_RESPONSE -> handleAppendResponse(r, m);
      case MSG_HEARTBEAT_RESPONSE -> handleHeartbeatResponse(r, m);
      case MSG_READ_INDEX -> r.reads.leaderReadIndex(m.getFrom(), m.getContext());
      default ->
          r.logger.debug(
              "{} [term: {}] leader ignored {} from {}", r.id, r.term, m.getType(), m.getFrom());
    }
  }

  private static void handleAppendResponse(Raft r, Message m) {
    Progress pr = r.tracker.get(m.getFrom());
    if (pr == null) {
      r.logger.debug("{} no progress available for {}", r.id, m.getFrom());
      return;
    }
    pr.setRecentActive(true);
    if (m.getReject()) {
      r.logger.debug(
          "{} received append rejection (hint: {}/{}) from {} for index {}",
          r.id,
          m.getRejectHint(),
          m.getLogTerm(),
          m.getFrom(),
          m.getIndex());
      long hint = m.getRejectHint();
      if (m.getLogTerm() > 0) {
        // Skip everything the follower cannot have: the leader's last entry at or before the
        // hint whose term is at most the follower's term there.
        hint = r.log.findConflictByTerm(m.getRejectHint(), m.getLogTerm()).index();
      }
      if (pr.onAppendReject(m.getIndex(), hint)) {
        r.logger.debug("{} decreased progress of {} to [{}]", r.id, m.getFrom(), pr);
        r.queueAppend(m.getFrom(), true);
      }
      return;
    }
    ProgressState before = pr.state();
    boolean updated = pr.onAppendAck(m.getIndex());
    if (!updated && pr.state() == before) return;
    if (maybeCommit(r)) r.bcastAppend();
    if (r.role != Role.LEADER) return; // stepped down: the commit removed it
    if (m.getFrom() != r.id) r.queueAppend(m.getFrom(), false);
    if (m.getFrom() == r.leadTransferee && pr.match() == r.log.lastIndex())
      r.sendTimeoutNow(m.getFrom());
  }

  private static void handleHeartbeatResponse(Raft r, Message m) {
    Progress pr = r.tracker.get(m.getFrom());
    if (pr == null) return;
    pr.setRecentActive(true);
    pr.onHeartbeatResponse();
    r.reads.onHeartbeatAck(m.getFrom(), m.getIndex());
    if (!m.getContext().isEmpty()) r.reads.onReadAck(m.getFrom(), m.getContext());
    // The retry for lost appends: a follower that is behind gets another append.
    if (pr.match() < r.log.lastIndex()) r.queueAppend(m.getFrom(), true);
  }

  /**
   * §5.4.2: commit the highest index a majority holds, but only if it is of our term (Figure 8).
   */
  static boolean maybeCommit(Raft r) {
    if (!r.log.maybeCommit(r.tracker.committed(), r.term)) return false;
    r.uncommitted.release(r.log.committed());
    r.reads.onOwnTermCommitted();
    r.conf.maybeStepDownRemoved();
    return true;
  }

  /**
   * Sends to peer what flow control allows: one append in PROBE; in REPLICATE, appends of at most
   * maxSizePerMsg bytes until the window is full or the follower has everything.
   */
  static void sendAppends(Raft r, long peer, boolean sendIfEmpty) {
    Progress pr = r.tracker.get(peer);
    if (pr == null) return;
    boolean sent = sendAppend(r, peer, pr, sendIfEmpty);
    while (sent && pr.state() == ProgressState.REPLICATE) sent = sendAppend(r, peer, pr, false);
  }

  private static boolean sendAppend(Raft r, long peer, Progress pr, boolean sendIfEmpty) {
    if (pr.isPaused()) return false;
    long prevIndex = pr.next() - 1;
    long prevTerm;
    List<Entry> ents;
    try {
      prevTerm = r.log.term(prevIndex);
      ents = r.log.entries(pr.next(), r.cfg.maxSizePerMsg());
    } catch (LogCompactedException e) {
      return sendSnapshot(r, peer, pr);
    }
    if (ents.isEmpty() && !sendIfEmpty) return false;
    r.send(
        Raft.msg(MSG_APPEND, peer)
            .setIndex(prevIndex)
            .setLogTerm(prevTerm)
            .addAllEntries(ents)
            .setCommit(r.log.committed()));
    pr.onAppendSent(ents.size(), prevIndex + ents.size(), Entries.sizeOf(ents));
    return true;
  }

  private static boolean sendSnapshot(Raft r, long peer, Progress pr) {
    if (!pr.recentActive()) {
      r.logger.debug("{} not sending snapshot to {}: it is not recently active", r.id, peer);
      return false;
    }
    Snapshot snap;
    try {
      snap = r.log.snapshot();
    } catch (SnapshotUnavailableException e) {
      r.logger.debug("{} failed to send snapshot to {}: {}", r.id, peer, e.getMessage());
      return false;
    }
    long sindex = snap.getMetadata().getIndex();
    if (sindex == 0)
      throw new IllegalStateException(r.id + " needs a non-empty snapshot to catch up " + peer);
    r.send(Raft.msg(MSG_SNAPSHOT, peer).setSnapshot(snap));
    pr.becomeSnapshot(sindex);
    r.logger.info(
        "{} [firstindex: {}, commit: {}] sent snapshot [index: {}, term: {}] to {} [{}]",
        r.id,
        r.log.firstIndex(),
        r.log.committed(),
        sindex,
        snap.getMetadata().getTerm(),
        peer,
        pr);
    return true;
  }
}
