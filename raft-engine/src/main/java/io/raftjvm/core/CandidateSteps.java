package io.raftjvm.core;

import static io.raftjvm.proto.MessageType.MSG_PRE_VOTE_RESPONSE;
import static io.raftjvm.proto.MessageType.MSG_VOTE_RESPONSE;

import io.raftjvm.core.quorum.VoteResult;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.MessageType;

/** How a candidate or pre-candidate handles messages (§5.2, thesis §9.6). */
final class CandidateSteps {
  private CandidateSteps() {}

  static void step(Raft r, Message m) {
    switch (m.getType()) {
      case MSG_APPEND -> {
        // §5.2: a leader of our term exists; it was not us.
        r.becomeFollower(m.getTerm(), m.getFrom());
        r.electionElapsed = 0;
        FollowerSteps.handleAppend(r, m);
      }
      case MSG_HEARTBEAT -> {
        r.becomeFollower(m.getTerm(), m.getFrom());
        r.electionElapsed = 0;
        FollowerSteps.handleHeartbeat(r, m);
      }
      case MSG_SNAPSHOT -> {
        r.becomeFollower(m.getTerm(), m.getFrom());
        r.electionElapsed = 0;
        FollowerSteps.handleSnapshot(r, m);
      }
      case MSG_VOTE_RESPONSE, MSG_PRE_VOTE_RESPONSE -> handleVoteResponse(r, m);
      default ->
          r.logger.debug(
              "{} [term: {}] {} ignored {} from {}",
              r.id,
              r.term,
              r.role,
              m.getType(),
              m.getFrom());
    }
  }

  private static void handleVoteResponse(Raft r, Message m) {
    boolean pre = r.role == Role.PRE_CANDIDATE;
    MessageType expected = pre ? MSG_PRE_VOTE_RESPONSE : MSG_VOTE_RESPONSE;
    if (m.getType() != expected) return;
    // A grant carries the term we asked for: ours, or ours + 1 for a pre-vote. Anything else is
    // an answer to an earlier round.
    if (!m.getReject() && m.getTerm() != (pre ? r.term + 1 : r.term)) return;
    VoteResult result = r.tracker.recordVote(m.getFrom(), !m.getReject());
    r.logger.info(
        "{} has received {} {} votes and {} vote rejections",
        r.id,
        r.tracker.grantedVotes(),
        pre ? "pre-vote" : "vote",
        r.tracker.rejectedVotes());
    switch (result) {
      case WON -> {
        if (pre) Elections.campaign(r, false);
        else r.becomeLeader();
      }
      case LOST -> {
        r.cfg.metrics().electionLost(pre);
        r.becomeFollower(r.term, Raft.NONE);
      }
      case PENDING -> {}
    }
  }
}
