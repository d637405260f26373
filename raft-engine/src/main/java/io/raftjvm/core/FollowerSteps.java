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
      default -> r.logger.debug("{} [term: {}] follower ignored {} from {}", r.id, r.term, m.getType(),
          m.getFrom());
    }
  }

  /** §5.2: hearing from the current leader resets the election timer. */
  private static void heardFromLeader(Raft r, Message m) {
    if (r.lead != Raft.NONE && r.lead != m.getFrom()) {
      throw new IllegalStateException(r.id + " at term " + r.term + " hears leader " + m.getFrom()
          + " but already follows " + r.lead + ": two leaders in one term");
    }
    r.electionElapsed = 0;
    r.lead = m.getFrom();
  }
}
