package io.raftjvm.core;

import static io.raftjvm.core.Raft.NONE;
import static io.raftjvm.proto.MessageType.MSG_PRE_VOTE;
import static io.raftjvm.proto.MessageType.MSG_PRE_VOTE_RESPONSE;
import static io.raftjvm.proto.MessageType.MSG_VOTE;
import static io.raftjvm.proto.MessageType.MSG_VOTE_RESPONSE;

import io.raftjvm.proto.Message;
import io.raftjvm.proto.MessageType;

/**
 * Leader election (§5.2, §5.4.1): starting a campaign, with PreVote first when configured (thesis
 * §9.6), and the RequestVote receiver, which any role runs. The candidate's counting of the answers
 * is {@link CandidateSteps}.
 */
final class Elections {
  private Elections() {}

  /** Starts an election (with PreVote first if configured), unless leader or not a voter. */
  static void hup(Raft r) {
    if (r.role == Role.LEADER) {
      r.logger.debug("{} ignoring election: already leader", r.id);
      return;
    }
    if (!r.conf.promotable()) {
      r.logger.warn("{} is unpromotable and can not campaign", r.id);
      return;
    }
    r.logger.info("{} is starting a new election at term {}", r.id, r.term);
    campaign(r, r.cfg.preVote());
  }

  static void campaign(Raft r, boolean pre) {
    campaign(r, pre, false);
  }

  /** Starts a (pre-)election; transfer marks a campaign the old leader asked for (thesis §3.10). */
  static void campaign(Raft r, boolean pre, boolean transfer) {
    long voteTerm;
    MessageType type;
    if (pre) {
      r.becomePreCandidate();
      voteTerm = r.term + 1;
      type = MSG_PRE_VOTE;
    } else {
      r.becomeCandidate();
      voteTerm = r.term;
      type = MSG_VOTE;
    }
    r.resetElectionTimer();
    r.cfg.metrics().campaignStarted(pre);
    MessageType respType = pre ? MSG_PRE_VOTE_RESPONSE : MSG_VOTE_RESPONSE;
    for (long voter : r.tracker.voters().ids()) {
      if (voter == r.id) {
        // Counted once our term and vote are durable.
        r.send(Raft.msg(respType, r.id).setTerm(voteTerm));
        continue;
      }
      r.logger.info(
          "{} [logterm: {}, index: {}] sent {} request to {} at term {}",
          r.id,
          r.log.lastTerm(),
          r.log.lastIndex(),
          type,
          voter,
          r.term);
      r.send(
          Raft.msg(type, voter)
              .setTerm(voteTerm)
              .setIndex(r.log.lastIndex())
              .setLogTerm(r.log.lastTerm())
              .setTransfer(transfer));
    }
  }

  /**
   * Thesis §4.2.3 / §9.6: while a leader is heard from, a request to replace it (a vote or, with
   * CheckQuorum off, a pre-vote of a higher term) is ignored, unless the leader itself asked for it
   * (a transfer).
   */
  static boolean ignoresVoteRequest(Raft r, Message m) {
    boolean leaseHolds =
        r.lead != NONE
            && r.electionElapsed < r.cfg.electionTicks()
            && (r.cfg.checkQuorum() || m.getType() == MSG_PRE_VOTE)
            && !m.getTransfer();
    if (!leaseHolds) return false;
    r.logger.info(
        "{} [logterm: {}, index: {}, vote: {}] ignored {} from {} [logterm: {}, index: {}] at term {}:"
            + " lease is not expired (remaining ticks: {})",
        r.id,
        r.log.lastTerm(),
        r.log.lastIndex(),
        r.vote,
        m.getType(),
        m.getFrom(),
        m.getLogTerm(),
        m.getIndex(),
        r.term,
        r.cfg.electionTicks() - r.electionElapsed);
    return true;
  }

  /** RequestVote receiver (Figure 2, §5.2, §5.4.1), and its PreVote twin (thesis §9.6). */
  static void handleVoteRequest(Raft r, Message m) {
    boolean pre = m.getType() == MSG_PRE_VOTE;
    MessageType respType = pre ? MSG_PRE_VOTE_RESPONSE : MSG_VOTE_RESPONSE;
    boolean canVote =
        r.vote == m.getFrom()
            || (r.vote == NONE && r.lead == NONE)
            || (pre && m.getTerm() > r.term);
    if (canVote && r.log.isUpToDate(m.getIndex(), m.getLogTerm())) {
      logVote(r, m, "cast");
      // The grant carries the candidate's term; for a pre-vote that is the term it would campaign
      // in.
      r.send(Raft.msg(respType, m.getFrom()).setTerm(m.getTerm()));
      if (!pre) {
        r.vote = m.getFrom();
        r.resetElectionTimer();
      }
    } else {
      logVote(r, m, "rejected");
      r.send(Raft.msg(respType, m.getFrom()).setReject(true));
    }
  }

  /** One line per vote request answered: what this server has, and what it was asked. */
  static void logVote(Raft r, Message m, String answer) {
    r.logger.info(
        "{} [logterm: {}, index: {}, vote: {}] {} {} {} {} [logterm: {}, index: {}] at term {}",
        r.id,
        r.log.lastTerm(),
        r.log.lastIndex(),
        r.vote,
        answer,
        m.getType(),
        answer.equals("cast") ? "for" : "from",
        m.getFrom(),
        m.getLogTerm(),
        m.getIndex(),
        r.term);
  }
}
