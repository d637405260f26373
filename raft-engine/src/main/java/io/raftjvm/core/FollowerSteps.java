package io.raftjvm.core;

import io.raftjvm.proto.Message;

/** How a follower handles messages (§5.2, §5.3). */
final class FollowerSteps {
  private FollowerSteps() {}

  static void step(Raft r, Message m) {
    switch (m.getType()) {
      case MSG_APPEND -> {
        heardFromLeader(r, m);
        r.handleAppend(m);
      }
      case MSG_HEARTBEAT -> {
        heardFromLeader(r, m);
        r.handleHeartbeat(m);
      }
      case MSG_SNAPSHOT -> {
        heardFromLeader(r, m);
        r.handleSnapshot(m);
      }
      case MSG_TIMEOUT_NOW -> {
        // Thesis §3.10: the leader handed us leadership; campaign now, skipping PreVote.
        if (r.promotable()) {
          r.logger.info(
              "{} [term {}] received timeout-now from {}: starting a transfer election",
              r.id,
              r.term,
              m.getFrom());
          r.campaign(false, true);
        } else {
          r.logger.info("{} ignored timeout-now from {}: not promotable", r.id, m.getFrom());
        }
      }
      case MSG_READ_INDEX ->
          r.logger.debug(
              "{} dropped a read from {}: not the leader any more (it retries)", r.id, m.getFrom());
      case MSG_READ_INDEX_RESPONSE -> r.readStates.add(new ReadState(m.getIndex(), m.getContext()));
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
}
