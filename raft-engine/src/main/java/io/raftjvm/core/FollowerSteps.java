package io.raftjvm.core;

import static io.raftjvm.proto.MessageType.MSG_APPEND_RESPONSE;
import static io.raftjvm.proto.MessageType.MSG_HEARTBEAT_RESPONSE;

import io.raftjvm.proto.Message;
import io.raftjvm.proto.Snapshot;

/**
 * How a follower handles messages (§5.2, §5.3), and the receivers of AppendEntries, heartbeats and
 * InstallSnapshot (§7) that a candidate uses too.
 */
final class FollowerSteps {
  private FollowerSteps() {}

  static void step(Raft r, Message m) {
    switch (m.getType()) {
      case MSG_APPEND -> {
        heardFromLeader(r, m);
        handleAppend(r, m);
      }
      case MSG_HEARTBEAT -> {
        heardFromLeader(r, m);
        handleHeartbeat(r, m);
      }
      case MSG_SNAPSHOT -> {
        heardFromLeader(r, m);
        handleSnapshot(r, m);
      }
      case MSG_TIMEOUT_NOW -> {
        // Thesis §3.10: the leader handed us leadership; campaign now, skipping PreVote.
        if (r.conf.promotable()) {
          r.logger.info(
              "{} [term {}] received timeout-now from {}: starting a transfer election",
              r.id,
              r.term,
              m.getFrom());
          Elections.campaign(r, false, true);
        } else {
          r.logger.info("{} ignored timeout-now from {}: not promotable", r.id, m.getFrom());
        }
      }
      case MSG_READ_INDEX ->
          r.logger.debug(
              "{} dropped a read from {}: not the leader any more (it retries)", r.id, m.getFrom());
      case MSG_READ_INDEX_RESPONSE -> r.reads.onReadIndexResponse(m.getIndex(), m.getContext());
      default ->
          r.logger.debug(
              "{} [term: {}] follower ignored {} from {}", r.id, r.term, m.getType(), m.getFrom());
    }
  }

  /** §5.2: hearing from the current leader resets the election timer. */
  private static void heardFromLeader(Raft r, Message m) {
    if (r.lead != Raft.NONE && r.lead != m.getFrom()) {
      throw new IllegalStateException(
          r.id
              + " at term "
              + r.term
              + " hears leader "
              + m.getFrom()
              + " but already follows "
              + r.lead
              + ": two leaders in one term");
    }
    r.electionElapsed = 0;
    r.lead = m.getFrom();
  }

  /** AppendEntries receiver (Figure 2, §5.3), with a backtracking hint on rejection. */
  static void handleAppend(Raft r, Message m) {
    r.cfg.metrics().appendReceived(m.getEntriesCount());
    if (m.getIndex() < r.log.committed()) {
      r.send(Raft.msg(MSG_APPEND_RESPONSE, m.getFrom()).setIndex(r.log.committed()));
      return;
    }
    long lastNew =
        r.log.maybeAppend(m.getIndex(), m.getLogTerm(), m.getCommit(), m.getEntriesList());
    if (lastNew >= 0) {
      r.send(Raft.msg(MSG_APPEND_RESPONSE, m.getFrom()).setIndex(lastNew));
      return;
    }
    // Our log is shorter or disagrees at prevIndex. Hint the last index that could still match:
    // the leader then skips every entry of a term we cannot have (one round trip per term).
    r.cfg.metrics().appendRejected();
    EntryId hint =
        r.log.findConflictByTerm(Math.min(m.getIndex(), r.log.lastIndex()), m.getLogTerm());
    r.logger.debug(
        "{} [logterm: {}, index: {}] rejected append [logterm: {}, index: {}] from {}",
        r.id,
        r.log.termOrZero(m.getIndex()),
        m.getIndex(),
        m.getLogTerm(),
        m.getIndex(),
        m.getFrom());
    r.send(
        Raft.msg(MSG_APPEND_RESPONSE, m.getFrom())
            .setIndex(m.getIndex())
            .setReject(true)
            .setRejectHint(hint.index())
            .setLogTerm(hint.term()));
  }

  static void handleHeartbeat(Raft r, Message m) {
    r.log.commitTo(m.getCommit());
    r.send(
        Raft.msg(MSG_HEARTBEAT_RESPONSE, m.getFrom())
            .setContext(m.getContext())
            .setIndex(m.getIndex()));
  }

  /** InstallSnapshot receiver (§7). */
  static void handleSnapshot(Raft r, Message m) {
    Snapshot s = m.getSnapshot();
    long sindex = s.getMetadata().getIndex();
    long sterm = s.getMetadata().getTerm();
    if (restore(r, s)) {
      r.logger.info(
          "{} [commit: {}] restored snapshot [index: {}, term: {}]",
          r.id,
          r.log.committed(),
          sindex,
          sterm);
      r.send(Raft.msg(MSG_APPEND_RESPONSE, m.getFrom()).setIndex(r.log.lastIndex()));
    } else {
      r.logger.info(
          "{} [commit: {}] ignored snapshot [index: {}, term: {}]",
          r.id,
          r.log.committed(),
          sindex,
          sterm);
      r.send(Raft.msg(MSG_APPEND_RESPONSE, m.getFrom()).setIndex(r.log.committed()));
    }
  }

  private static boolean restore(Raft r, Snapshot s) {
    long sindex = s.getMetadata().getIndex();
    if (r.cfg.planted(PlantedFault.SNAPSHOT_OVER_NEWER_STATE)
        && sindex > 0
        && sindex <= r.log.committed()) {
      r.log.restore(s); // the bug: what this node committed after the snapshot is thrown away
      r.conf.sync();
      return true;
    }
    if (sindex <= r.log.committed()) return false;
    if (r.log.matchTerm(sindex, s.getMetadata().getTerm())) {
      // We already have the snapshot's last entry: just move commit forward.
      r.log.commitTo(sindex);
      return false;
    }
    r.log.restore(s);
    r.conf.sync();
    return true;
  }
}
