package io.raftjvm.core;

import static io.raftjvm.proto.MessageType.MSG_APPEND;
import static io.raftjvm.proto.MessageType.MSG_APPEND_RESPONSE;
import static io.raftjvm.proto.MessageType.MSG_HEARTBEAT;
import static io.raftjvm.proto.MessageType.MSG_HEARTBEAT_RESPONSE;
import static io.raftjvm.proto.MessageType.MSG_PRE_VOTE;
import static io.raftjvm.proto.MessageType.MSG_PRE_VOTE_RESPONSE;
import static io.raftjvm.proto.MessageType.MSG_VOTE;
import static io.raftjvm.proto.MessageType.MSG_VOTE_RESPONSE;

import io.raftjvm.proto.Entry;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.MessageType;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/** Message builders and filters for tests. Field meanings follow raft.proto's envelope comment. */
final class Msgs {
  private Msgs() {}

  static Message.Builder base(MessageType type, long from, long to, long term) {
    return Message.newBuilder().setType(type).setFrom(from).setTo(to).setTerm(term);
  }

  /** RequestVote: index/logTerm = the candidate's last log index and term. */
  static Message vote(long from, long to, long term, long lastIndex, long lastTerm) {
    return base(MSG_VOTE, from, to, term).setIndex(lastIndex).setLogTerm(lastTerm).build();
  }

  static Message preVote(long from, long to, long term, long lastIndex, long lastTerm) {
    return base(MSG_PRE_VOTE, from, to, term).setIndex(lastIndex).setLogTerm(lastTerm).build();
  }

  static Message voteResp(long from, long to, long term, boolean reject) {
    return base(MSG_VOTE_RESPONSE, from, to, term).setReject(reject).build();
  }

  static Message preVoteResp(long from, long to, long term, boolean reject) {
    return base(MSG_PRE_VOTE_RESPONSE, from, to, term).setReject(reject).build();
  }

  /** AppendEntries: index/logTerm = prevLogIndex/prevLogTerm, commit = leaderCommit. */
  static Message app(
      long from, long to, long term, long prevIndex, long prevTerm, long commit, List<Entry> ents) {
    return base(MSG_APPEND, from, to, term)
        .setIndex(prevIndex)
        .setLogTerm(prevTerm)
        .setCommit(commit)
        .addAllEntries(ents)
        .build();
  }

  /** Accepting AppendEntries response: index = highest index known to match. */
  static Message appResp(long from, long to, long term, long index) {
    return base(MSG_APPEND_RESPONSE, from, to, term).setIndex(index).build();
  }

  /** Rejecting AppendEntries response for prevLogIndex rejected, with the follower's hint. */
  static Message appReject(
      long from, long to, long term, long rejected, long hintIndex, long hintTerm) {
    return base(MSG_APPEND_RESPONSE, from, to, term)
        .setIndex(rejected)
        .setReject(true)
        .setRejectHint(hintIndex)
        .setLogTerm(hintTerm)
        .build();
  }

  static Message hb(long from, long to, long term, long commit) {
    return base(MSG_HEARTBEAT, from, to, term).setCommit(commit).build();
  }

  static Message hbResp(long from, long to, long term) {
    return base(MSG_HEARTBEAT_RESPONSE, from, to, term).build();
  }

  static List<Message> ofType(Collection<Message> ms, MessageType type) {
    return ms.stream().filter(m -> m.getType() == type).collect(Collectors.toList());
  }

  static List<Message> ofType(Collection<Message> ms, MessageType type, long to) {
    return ms.stream()
        .filter(m -> m.getType() == type && m.getTo() == to)
        .collect(Collectors.toList());
  }

  /** The single message of this type to this peer; fails if there is not exactly one. */
  static Message only(Collection<Message> ms, MessageType type, long to) {
    List<Message> found = ofType(ms, type, to);
    if (found.size() != 1) {
      throw new AssertionError(
          "expected exactly one " + type + " to " + to + " in " + describe(ms));
    }
    return found.get(0);
  }

  /** One line per message, short enough for assertion messages. */
  static String describe(Collection<Message> ms) {
    return ms.stream().map(Msgs::describe).collect(Collectors.joining(", ", "[", "]"));
  }

  static String describe(Message m) {
    StringBuilder sb = new StringBuilder();
    sb.append(m.getFrom())
        .append("->")
        .append(m.getTo())
        .append(' ')
        .append(m.getType().name().substring(4))
        .append(" t")
        .append(m.getTerm());
    if (m.getType() == MSG_APPEND
        || m.getType() == MSG_APPEND_RESPONSE
        || m.getType() == MSG_VOTE
        || m.getType() == MSG_PRE_VOTE) {
      sb.append(" i").append(m.getIndex()).append(" lt").append(m.getLogTerm());
    }
    if (m.getEntriesCount() > 0) sb.append(" ents").append(Logs.termsOf(m.getEntriesList()));
    if (m.getCommit() > 0) sb.append(" c").append(m.getCommit());
    if (m.getReject()) sb.append(" REJECT hint ").append(m.getRejectHint());
    return sb.toString();
  }

  static boolean isResponse(MessageType t) {
    return t == MSG_APPEND_RESPONSE
        || t == MSG_HEARTBEAT_RESPONSE
        || t == MSG_VOTE_RESPONSE
        || t == MSG_PRE_VOTE_RESPONSE;
  }

  static boolean isLeaderTraffic(MessageType t) {
    return t == MSG_APPEND || t == MSG_HEARTBEAT;
  }
}
