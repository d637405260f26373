package io.raftjvm.core;

import io.raftjvm.proto.Entry;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * One {@link RaftNode} over a {@link MemoryStorage}, with an owner that persists every Ready at
 * once: what a test needs to drive a single server by hand.
 *
 * <p>Stateful; single-threaded like the node it wraps.
 */
final class TestNode {
  final long id;
  final RaftConfig cfg;

  /** What is on this server's disk. The owner writes it from each Ready. */
  final MemoryStorage storage;

  RaftNode node;

  /** Every Ready handed out, oldest first. */
  final List<Ready> readies = new ArrayList<>();

  private TestNode(long id, RaftConfig cfg, MemoryStorage storage) {
    this.id = id;
    this.cfg = cfg;
    this.storage = storage;
    this.node = RaftNode.create(cfg, storage);
  }

  static Builder builder(long id) {
    return new Builder(id);
  }

  Raft raft() {
    return node.raft();
  }

  void step(Message m) {
    node.step(m);
  }

  void tick() {
    node.tick();
  }

  /** Ticks n times, without draining. */
  void tick(int n) {
    for (int i = 0; i < n; i++) node.tick();
  }

  /**
   * Takes one Ready, persists it (snapshot, entries, hard state), reports it durable, applies it,
   * and returns what it sends: sendNow first, then sendAfterPersist.
   */
  List<Message> processReady() {
    Ready rd = node.ready();
    readies.add(rd);
    persist(rd);
    if (!rd.toApply().isEmpty())
      node.onApplied(rd.toApply().get(rd.toApply().size() - 1).getIndex());
    List<Message> out = new ArrayList<>(rd.sendNow());
    out.addAll(rd.sendAfterPersist());
    return out;
  }

  /**
   * Writes rd to storage (snapshot, entries, hard state) and reports it durable, as an owner must.
   */
  void persist(Ready rd) {
    if (rd.snapshot() != null) storage.applySnapshot(rd.snapshot());
    storage.append(rd.toPersist());
    if (rd.hardState() != null) storage.setHardState(rd.hardState());
    node.onPersisted(rd.number());
  }

  /** Processes Readies until there is nothing left; returns everything sent, in order. */
  List<Message> drain() {
    List<Message> out = new ArrayList<>();
    for (int guard = 0; node.hasReady(); guard++) {
      if (guard > 1_000) throw new AssertionError(id + " never runs out of Readies");
      out.addAll(processReady());
    }
    return out;
  }

  /** The most recent Ready handed out. */
  Ready lastReady() {
    return readies.get(readies.size() - 1);
  }

  /** Replaces the node with a fresh one over the same storage: a crash and restart. */
  void restart() {
    node = RaftNode.create(cfg, storage);
  }

  /**
   * Makes this node leader of its current term + 1 by granting it votes (and pre-votes) from
   * grantors, then drains. Returns what the new leader sent in its first Readies.
   */
  List<Message> elect(long... grantors) {
    node.campaign();
    drain();
    if (raft().role == Role.PRE_CANDIDATE) {
      long t = raft().term + 1;
      for (long g : grantors) step(Msgs.preVoteResp(g, id, t, false));
      drain();
    }
    long t = raft().term;
    for (long g : grantors) step(Msgs.voteResp(g, id, t, false));
    List<Message> out = drain();
    if (raft().role != Role.LEADER) throw new AssertionError(id + " did not win: " + raft().role);
    return out;
  }

  /** Acknowledges the leader's whole log from each follower, then drains. */
  List<Message> ackAll(long... followers) {
    long last = raft().log.lastIndex();
    for (long f : followers) step(Msgs.appResp(f, id, raft().term, last));
    return drain();
  }

  List<Long> logTerms() {
    return Logs.termsOf(node);
  }

  long lastIndex() {
    return raft().log.lastIndex();
  }

  long committed() {
    return raft().log.committed();
  }

  /**
   * Sets up a node: membership, what is on its disk, and config. Defaults: no PreVote, no
   * CheckQuorum.
   */
  static final class Builder {
    private final long id;
    private long[] voters = {1, 2, 3};
    private List<Entry> log = List.of();
    private long term;
    private long vote;
    private long commit;
    private final RaftConfig.Builder cfg;

    private Builder(long id) {
      this.id = id;
      this.cfg =
          RaftConfig.builder(id)
              .electionTicks(10)
              .heartbeatTicks(1)
              .preVote(false)
              .checkQuorum(false)
              .random(new SplittableRandom(id));
    }

    Builder voters(long... v) {
      voters = v;
      return this;
    }

    /** The log on disk, as the terms of entries 1..n. */
    Builder log(long... terms) {
      log = Logs.terms(terms);
      return this;
    }

    Builder log(List<Entry> ents) {
      log = ents;
      return this;
    }

    /** Hard state on disk. */
    Builder hard(long term, long vote, long commit) {
      this.term = term;
      this.vote = vote;
      this.commit = commit;
      return this;
    }

    Builder term(long t) {
      term = t;
      return this;
    }

    Builder commit(long c) {
      commit = c;
      return this;
    }

    Builder preVote(boolean v) {
      cfg.preVote(v);
      return this;
    }

    Builder checkQuorum(boolean v) {
      cfg.checkQuorum(v);
      return this;
    }

    Builder leaseReads(boolean v) {
      cfg.leaseReads(v);
      return this;
    }

    Builder electionTicks(int v) {
      cfg.electionTicks(v);
      return this;
    }

    Builder heartbeatTicks(int v) {
      cfg.heartbeatTicks(v);
      return this;
    }

    Builder random(RandomGenerator r) {
      cfg.random(r);
      return this;
    }

    Builder seed(long s) {
      cfg.random(new SplittableRandom(s));
      return this;
    }

    Builder metrics(RaftMetrics m) {
      cfg.metrics(m);
      return this;
    }

    Builder maxSizePerMsg(long v) {
      cfg.maxSizePerMsg(v);
      return this;
    }

    Builder maxInflightMsgs(int v) {
      cfg.maxInflightMsgs(v);
      return this;
    }

    Builder maxInflightBytes(long v) {
      cfg.maxInflightBytes(v);
      return this;
    }

    Builder maxUncommittedBytes(long v) {
      cfg.maxUncommittedBytes(v);
      return this;
    }

    TestNode build() {
      MemoryStorage s = MemoryStorage.bootstrap(voters);
      s.append(log);
      s.setHardState(HardState.newBuilder().setTerm(term).setVote(vote).setCommit(commit).build());
      return new TestNode(id, cfg.build(), s);
    }
  }

  /**
   * A RandomGenerator whose bounded draws return a script, so that a test knows every election
   * timeout in advance. Unbounded draws are not expected in the core and fail.
   */
  static final class ScriptedRandom implements RandomGenerator {
    private final int[] script;
    private int next;

    /** Number of draws made so far. */
    int draws;

    ScriptedRandom(int... script) {
      this.script = script;
    }

    @Override
    public int nextInt(int bound) {
      int v = script[Math.min(next++, script.length - 1)];
      draws++;
      if (v < 0 || v >= bound)
        throw new AssertionError("scripted " + v + " outside [0, " + bound + ")");
      return v;
    }

    @Override
    public long nextLong() {
      throw new AssertionError("the core drew an unbounded random long");
    }
  }
}
