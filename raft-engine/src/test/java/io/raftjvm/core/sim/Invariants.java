package io.raftjvm.core.sim;

import io.raftjvm.core.RaftNode;
import io.raftjvm.core.Role;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.MessageType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The safety properties of Raft (Figure 3), checked as the simulation runs:
 *
 * <ul>
 *   <li>Election Safety: at most one leader per term.
 *   <li>Leader Append-Only: a leader never overwrites or deletes entries in its log.
 *   <li>Log Matching: two logs with an entry of the same index and term agree on it and on every
 *       entry before it. Checked incrementally: each entry any log ever holds is recorded under
 *       (index, term) with its data and the term of its predecessor; a second entry with the same
 *       (index, term) must agree on both, which by induction makes the prefixes identical.
 *   <li>Leader Completeness: a committed entry is in the log of every leader of a later term.
 *   <li>State Machine Safety: no two servers apply different entries at one index, and each server
 *       applies indexes in order without gaps.
 *   <li>Commit indexes never go backwards (per incarnation of a server).
 * </ul>
 *
 * And for membership changes (thesis ch. 4), across configurations:
 *
 * <ul>
 *   <li>Election Safety holds across configurations: the term-to-leader map spans every server,
 *       members or not.
 *   <li>Each server casts at most one durable vote per term.
 *   <li>A leader was elected by a majority of the voters of its configuration (votes granted on the
 *       wire, once durable; its own durable vote): the votes of learners and of servers outside it
 *       never count. A server grants at most one vote per term.
 *   <li>A server that is not a voter in its own configuration never asks for votes.
 *   <li>At most one configuration change is in flight: no leader's log holds two configuration
 *       entries beyond the committed prefix.
 * </ul>
 *
 * A violation throws AssertionError carrying the seed, step and latest events.
 */
final class Invariants {
  private final SimWorld sim;

  /** term -> leader id seen in that term. */
  private final Map<Long, Long> leaders = new HashMap<>();

  /** Every (index, term) ever seen in a log -> its data and predecessor's term. */
  private final Map<EntryKey, EntryFacts> seen = new HashMap<>();

  /** The committed prefix, as any server reported it: committed.get(i) has index i + 1. */
  private final List<Entry> committed = new ArrayList<>();

  /** The term in which each committed index was first seen committed (for Leader Completeness). */
  private final List<Long> committedInTerm = new ArrayList<>();

  /** Per node: (term, lastIndex, last entry) when it was last checked as leader. */
  private final Map<Long, long[]> leaderLogs = new HashMap<>();

  long checks;

  /** (term, voter) -> the candidate it durably voted for. */
  private final Map<VoteKey, Long> votes = new HashMap<>();

  /**
   * (term, voter) -> the candidate it granted its vote to, as sent (a grant leaves only once the
   * vote is durable). The log writer writes only the newest hard state of a batch, so a vote
   * followed in the same batch by a newer term is never on disk itself, yet the grant was sent, and
   * the newer term keeps the voter from voting again in the old one.
   */
  private final Map<VoteKey, Long> grants = new HashMap<>();

  private record VoteKey(long term, long voter) {}

  private record EntryKey(long index, long term) {}

  private record EntryFacts(Entry entry, long prevTerm) {}

  Invariants(SimWorld sim) {
    this.sim = sim;
  }

  private AssertionError fail(String what) {
    return new AssertionError(what + "\n" + sim.describe());
  }

  /** Log Matching, incrementally: entries of node n from index from on are new in its log. */
  void onAppended(SimNode n, long from) {
    if (from <= n.verifiedCommit) {
      throw fail(
          "node "
              + n.id
              + " overwrites its log from index "
              + from
              + " though "
              + n.verifiedCommit
              + " is committed");
    }
    for (long i = from; i <= n.lastIndex(); i++) {
      Entry e = n.view.get((int) i - 1);
      if (e.getIndex() != i)
        throw fail("node " + n.id + " holds entry " + e.getIndex() + " at position " + i);
      long prevTerm = n.termAt(i - 1);
      if (e.getTerm() < prevTerm) {
        throw fail(
            "node "
                + n.id
                + " log terms decrease at index "
                + i
                + ": "
                + prevTerm
                + " then "
                + e.getTerm());
      }
      EntryFacts facts = new EntryFacts(e, prevTerm);
      EntryFacts old = seen.putIfAbsent(new EntryKey(i, e.getTerm()), facts);
      if (old != null && (!old.entry().equals(e) || old.prevTerm() != prevTerm)) {
        throw fail(
            "Log Matching violated at index "
                + i
                + " term "
                + e.getTerm()
                + " on node "
                + n.id
                + ": "
                + brief(old.entry())
                + " after term "
                + old.prevTerm()
                + " vs "
                + brief(e)
                + " after term "
                + prevTerm);
      }
    }
  }

  /** State Machine Safety: n applies e. */
  void onApply(SimNode n, Entry e) {
    long expected = n.applied.isEmpty() ? 1 : n.applied.get(n.applied.size() - 1).getIndex() + 1;
    if (e.getIndex() != expected) {
      throw fail("node " + n.id + " applies index " + e.getIndex() + ", expected " + expected);
    }
    recordCommitted(n, e.getIndex());
    Entry c = committed.get((int) e.getIndex() - 1);
    if (!c.equals(e)) {
      throw fail(
          "State Machine Safety violated: node "
              + n.id
              + " applies "
              + brief(e)
              + " but "
              + brief(c)
              + " was committed at that index");
    }
    n.applied.add(e);
  }

  /** n made hs durable: one vote per term. */
  void onVoteDurable(SimNode n, HardState hs) {
    if (hs.getVote() == 0) return;
    Long old = votes.putIfAbsent(new VoteKey(hs.getTerm(), n.id), hs.getVote());
    if (old != null && old != hs.getVote()) {
      throw fail(
          "node "
              + n.id
              + " voted for both "
              + old
              + " and "
              + hs.getVote()
              + " in term "
              + hs.getTerm());
    }
  }

  /** A message leaves for the network: a vote granted is granted once per term. */
  void onNetworkSend(Message m) {
    if (m.getType() != MessageType.MSG_VOTE_RESPONSE || m.getReject()) return;
    Long old = grants.putIfAbsent(new VoteKey(m.getTerm(), m.getFrom()), m.getTo());
    if (old != null && old != m.getTo()) {
      throw fail(
          "node "
              + m.getFrom()
              + " granted its vote to both "
              + old
              + " and "
              + m.getTo()
              + " in term "
              + m.getTerm());
    }
  }

  /**
   * n starts a (pre-)campaign: only voters of its configuration at that moment ask for votes
   * (thesis §4.1: a server uses the latest configuration in its log, committed or not). Judged as
   * the campaign starts, not when its messages are handed out: an AppendEntries stepped later in
   * the same batch may truncate the entry that made n a voter, and the vote requests still leave.
   */
  void onCampaign(SimNode n, boolean preVote) {
    ConfState conf = n.node.confState();
    String what =
        (preVote ? "a pre-vote" : "an election")
            + " at term "
            + n.node.status().term()
            + ", last index "
            + n.node.lastIndex();
    if (conf.getLearnersList().contains(n.id)) {
      throw fail("learner " + n.id + " campaigns (" + what + ")");
    }
    if (!conf.getVotersList().contains(n.id)) {
      // Only while the entry that removed it may still be undone.
      long removedAt = 0;
      for (int i = n.view.size() - 1; i >= 0 && removedAt == 0; i--) {
        if (n.view.get(i).getType() == EntryType.ENTRY_CONF_CHANGE) removedAt = i + 1L;
      }
      if (removedAt == 0 || n.node.status().commit() >= removedAt) {
        throw fail(
            "node "
                + n.id
                + " campaigns ("
                + what
                + ") but is not a voter in its configuration "
                + conf.getVotersList()
                + (removedAt == 0 ? "" : ", committed at " + removedAt));
      }
    }
  }

  void onRestart(SimNode n) {
    leaderLogs.remove(n.id);
    onAppended(n, 1);
  }

  /**
   * Records n's committed prefix up to index as committed, checking it agrees with what others
   * committed.
   */
  private void recordCommitted(SimNode n, long upTo) {
    if (upTo > n.lastIndex()) {
      throw fail("node " + n.id + " commits " + upTo + " beyond its last index " + n.lastIndex());
    }
    for (long i = n.verifiedCommit + 1; i <= upTo; i++) {
      Entry e = n.view.get((int) i - 1);
      if (i <= committed.size()) {
        Entry c = committed.get((int) i - 1);
        if (!c.equals(e)) {
          throw fail(
              "node "
                  + n.id
                  + " has "
                  + brief(e)
                  + " committed where "
                  + brief(c)
                  + " was committed");
        }
      } else {
        committed.add(e);
        committedInTerm.add(n.node.status().term());
      }
    }
    n.verifiedCommit = Math.max(n.verifiedCommit, upTo);
  }

  /** Checks every property that depends on the whole cluster's current state. */
  void check() {
    checks++;
    if (!sim.violations.isEmpty()) throw fail(sim.violations.get(0));
    for (SimNode n : sim.nodes.values()) {
      if (!n.up) continue;
      if (n.driver.failure() != null) {
        // Nothing here fails a disk or a state machine on purpose: a node that stopped hit a bug.
        throw fail("node " + n.id + " stopped: " + n.driver.failure());
      }
      if (!n.stateMachine.duplicates.isEmpty()) {
        throw fail(
            "exactly-once violated: node "
                + n.id
                + " applied an add twice: "
                + n.stateMachine.duplicates);
      }
      RaftNode.Status st = n.node.status();
      if (st.lastIndex() != n.lastIndex()) {
        throw fail(
            "node "
                + n.id
                + " reports last index "
                + st.lastIndex()
                + " but its Readies built "
                + n.lastIndex());
      }
      // Commit never goes backwards, and what is committed agrees everywhere.
      if (st.commit() < n.seenCommit) {
        throw fail(
            "node " + n.id + " commit went back from " + n.seenCommit + " to " + st.commit());
      }
      if (st.commit() > n.seenCommit) {
        recordCommitted(n, st.commit());
        n.seenCommit = st.commit();
      }
      if (st.role() == Role.LEADER) checkLeader(n, st);
      else leaderLogs.remove(n.id);
    }
  }

  private void checkLeader(SimNode n, RaftNode.Status st) {
    Long other = leaders.putIfAbsent(st.term(), n.id);
    if (other != null && other != n.id) {
      throw fail(
          "Election Safety violated: nodes "
              + other
              + " and "
              + n.id
              + " both lead term "
              + st.term());
    }
    long[] prev = leaderLogs.get(n.id);
    if (prev == null || prev[0] != st.term()) {
      // Elected by a majority of the voters of its own configuration.
      List<Long> voters = n.node.confState().getVotersList();
      long granted =
          voters.stream()
              .filter(
                  v ->
                      Long.valueOf(n.id).equals(grants.get(new VoteKey(st.term(), v)))
                          || (v == n.id
                              && Long.valueOf(n.id).equals(votes.get(new VoteKey(st.term(), v)))))
              .count();
      if (granted <= voters.size() / 2) {
        throw fail(
            "leader "
                + n.id
                + " of term "
                + st.term()
                + " holds durable votes from only "
                + granted
                + " of its voters "
                + voters
                + " (granted, or its own durable vote)");
      }
      // Newly elected: Leader Completeness over everything committed in earlier terms.
      for (int i = 0; i < committed.size(); i++) {
        if (committedInTerm.get(i) >= st.term()) continue;
        Entry c = committed.get(i);
        if (i >= n.lastIndex() || !n.view.get(i).equals(c)) {
          throw fail(
              "Leader Completeness violated: leader "
                  + n.id
                  + " of term "
                  + st.term()
                  + " lacks committed "
                  + brief(c));
        }
      }
    } else {
      // Leader Append-Only: the log only grows while it leads.
      long prevLast = prev[1];
      if (n.lastIndex() < prevLast || n.view.get((int) prevLast - 1).getTerm() != prev[2]) {
        throw fail(
            "Leader Append-Only violated: leader "
                + n.id
                + " of term "
                + st.term()
                + " had last entry "
                + prevLast
                + "/"
                + prev[2]
                + ", now its log ends at "
                + n.lastIndex());
      }
    }
    long last = n.lastIndex();
    leaderLogs.put(n.id, new long[] {st.term(), last, n.termAt(last)});
    int inFlight = 0;
    for (long i = committed.size() + 1L; i <= last; i++) {
      if (n.view.get((int) i - 1).getType() == EntryType.ENTRY_CONF_CHANGE) inFlight++;
    }
    if (inFlight > 1) {
      throw fail(
          "leader "
              + n.id
              + " of term "
              + st.term()
              + " has "
              + inFlight
              + " configuration entries beyond the committed prefix "
              + committed.size());
    }
  }

  /** Verifies the sim's view of each log against the node itself (expensive; call now and then). */
  void checkViews() {
    for (SimNode n : sim.nodes.values()) {
      if (!n.up || n.lastIndex() == 0) continue;
      long first = n.node.status().firstIndex();
      if (first > n.lastIndex()) continue;
      List<Entry> actual = n.node.entries(first, n.lastIndex() + 1);
      if (!actual.equals(n.view.subList((int) first - 1, n.view.size()))) {
        throw fail("node " + n.id + " log differs from the entries its Readies reported");
      }
    }
  }

  List<Entry> committed() {
    return committed;
  }

  static String brief(Entry e) {
    return e.getIndex()
        + "/"
        + e.getTerm()
        + (e.getData().isEmpty() ? "" : "(" + e.getData().toStringUtf8() + ")");
  }

  static String brief(Message m) {
    StringBuilder sb =
        new StringBuilder()
            .append(m.getType().name().substring(4))
            .append(' ')
            .append(m.getFrom())
            .append("->")
            .append(m.getTo())
            .append(" t")
            .append(m.getTerm());
    switch (m.getType()) {
      case MSG_APPEND ->
          sb.append(" prev=")
              .append(m.getIndex())
              .append('/')
              .append(m.getLogTerm())
              .append(" n=")
              .append(m.getEntriesCount())
              .append(" commit=")
              .append(m.getCommit());
      case MSG_APPEND_RESPONSE ->
          sb.append(
              m.getReject()
                  ? " reject " + m.getIndex() + " hint=" + m.getRejectHint() + "/" + m.getLogTerm()
                  : " ack " + m.getIndex());
      case MSG_VOTE, MSG_PRE_VOTE ->
          sb.append(" last=").append(m.getIndex()).append('/').append(m.getLogTerm());
      case MSG_VOTE_RESPONSE, MSG_PRE_VOTE_RESPONSE ->
          sb.append(m.getReject() ? " reject" : " grant");
      case MSG_HEARTBEAT -> sb.append(" commit=").append(m.getCommit());
      default -> {}
    }
    return sb.toString();
  }
}
