package io.raftjvm.core.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.core.EntryId;
import io.raftjvm.core.Role;
import io.raftjvm.proto.Entry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Log agreement on a simulated cluster, in the shape of the classic lab suite (6.824 2B): basic
 * agreement, a follower that misses entries, no commitment without a majority, proposals in bulk, a
 * deposed leader rejoining with entries nobody else has, and fast backtracking over long divergent
 * logs. Every failure message carries the seed (via {@link SimCluster#describe()}).
 */
@DisplayName("Scenarios: log agreement (§5.3, §5.4)")
class AgreementScenarioTest {
  static final int ELECTION_TICKS = 10;

  /** Rounds (one tick per node each) one proposal may take to be applied: 10 election timeouts. */
  static final int ROUNDS = 10 * ELECTION_TICKS;

  static Stream<Arguments> sizesAndSeeds() {
    return Stream.of(3, 5)
        .flatMap(n -> LongStream.rangeClosed(1, 5).mapToObj(s -> Arguments.of(n, s)));
  }

  static LongStream seeds() {
    return LongStream.rangeClosed(1, 8);
  }

  /** Seeds crossed with the four PreVote/CheckQuorum settings: (preVote, checkQuorum, seed). */
  static Stream<Arguments> variantsAndSeeds() {
    return LongStream.rangeClosed(1, 12).mapToObj(s -> Arguments.of((s & 1) == 0, (s & 2) == 0, s));
  }

  static ByteString cmd(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** Ticks until every node of group follows one leader in it; returns that leader. */
  static long electLeader(SimCluster sim, long... group) {
    int rounds = sim.tickUntil(5 * ELECTION_TICKS, () -> sim.agreedLeader(group) != 0);
    assertTrue(
        rounds >= 0, "no leader agreed on by " + Arrays.toString(group) + "\n" + sim.describe());
    return sim.agreedLeader(group);
  }

  /** The node k places after id, counting around the ring of ids (the labs' (leader + k) % n). */
  static long after(SimCluster sim, long id, int k) {
    return (id - 1 + k) % sim.ids.length + 1;
  }

  /**
   * Proposals are committed at consecutive indexes and applied identically on every server. Ref:
   * §5.3 (log replication, Figure 2 AppendEntries), lab test BasicAgree.
   */
  @ParameterizedTest(name = "{0} nodes, seed {1}")
  @MethodSource("sizesAndSeeds")
  void basicAgreement(int size, long seed) {
    SimCluster sim = SimCluster.of(size, seed);
    long leader = electLeader(sim, sim.ids);
    long term = sim.node(leader).node.status().term();
    long expected = sim.node(leader).lastIndex() + 1;
    for (int i = 0; i < 10; i++) {
      for (SimNode n : sim.upNodes()) {
        assertNull(
            SimCluster.appliedAt(n, expected),
            "node " + n.id + " applied " + expected + " before it was proposed\n" + sim.describe());
      }
      long index = sim.one(cmd("basic-" + i), size, ROUNDS);
      assertEquals(
          expected, index, "proposal " + i + " landed at the wrong index\n" + sim.describe());
      expected++;
    }
    sim.assertAllApplied(expected - 1);
    assertEquals(
        term,
        sim.node(leader).node.status().term(),
        "a reliable network changed leader\n" + sim.describe());
  }

  /**
   * A follower cut off while the others commit catches up once it is back: the leader backs its
   * nextIndex up and sends what it missed. Ref: §5.3 ("the leader retries AppendEntries
   * indefinitely"), lab test FailAgree.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void followerCatchesUpAfterRejoining(long seed) {
    SimCluster sim = SimCluster.of(3, seed);
    long leader = electLeader(sim, sim.ids);
    sim.one(cmd("101"), 3, ROUNDS);
    long away = after(sim, leader, 1);
    long stay = after(sim, leader, 2);
    sim.connectOnly(leader, stay);
    long last = 0;
    for (int i = 102; i <= 105; i++) last = sim.one(cmd(Integer.toString(i)), 2, ROUNDS);
    sim.tickAll(2 * ELECTION_TICKS);
    for (int i = 106; i <= 107; i++) last = sim.one(cmd(Integer.toString(i)), 2, ROUNDS);
    long behind = sim.node(away).applied.size();
    assertTrue(
        behind < last,
        "the disconnected follower applied " + behind + " entries\n" + sim.describe());

    sim.connectOnly(sim.ids);
    last = sim.one(cmd("108"), 3, ROUNDS);
    sim.assertAllApplied(last);
    Set<String> got = new HashSet<>();
    for (Entry e : sim.node(away).applied) got.add(e.getData().toStringUtf8());
    for (int i = 101; i <= 108; i++) {
      assertTrue(
          got.contains(Integer.toString(i)),
          "rejoined follower lacks " + i + "\n" + sim.describe());
    }
  }

  /**
   * With 3 of 5 servers cut off, the leader's proposal is not committed however long we wait; once
   * the network heals, the cluster agrees again and the entry is either committed everywhere or
   * replaced everywhere. Ref: §5.3 (commit needs a majority), §5.4.2, lab test FailNoAgree.
   */
  @ParameterizedTest(name = "preVote={0}, checkQuorum={1}, seed {2}")
  @MethodSource("variantsAndSeeds")
  void noCommitWithoutMajority(boolean preVote, boolean checkQuorum, long seed) {
    SimCluster sim = new SimCluster(5, seed, b -> b.preVote(preVote).checkQuorum(checkQuorum));
    long leader = electLeader(sim, sim.ids);
    sim.one(cmd("10"), 5, ROUNDS);
    long expected = sim.node(leader).lastIndex() + 1;
    sim.connectOnly(leader, after(sim, leader, 4));
    EntryId at = sim.propose(leader, cmd("20"));
    assertNotNull(at, "leader refused a proposal\n" + sim.describe());
    assertEquals(expected, at.index(), "proposal landed at the wrong index\n" + sim.describe());

    sim.tickAll(2 * ELECTION_TICKS);
    for (SimNode n : sim.upNodes()) {
      assertTrue(
          n.node.status().commit() < at.index(),
          "node "
              + n.id
              + " committed "
              + at
              + " with only 2 of 5"
              + " connected\n"
              + sim.describe());
    }
    for (int k = 1; k <= 3; k++) {
      assertNotEquals(
          Role.LEADER,
          sim.node(after(sim, leader, k)).node.status().role(),
          "an isolated server became leader\n" + sim.describe());
    }

    sim.connectOnly(sim.ids);
    long l2 = electLeader(sim, sim.ids);
    long i30 = sim.one(cmd("30"), 5, ROUNDS);
    assertTrue(
        i30 > at.index(), "new proposal at " + i30 + " not after " + at + "\n" + sim.describe());
    long last = sim.one(cmd("1000"), 5, ROUNDS);
    sim.assertAllApplied(last);
    Entry there = SimCluster.appliedAt(sim.node(l2), at.index());
    boolean survived = there.getTerm() == at.term() && there.getData().equals(cmd("20"));
    long copies = sim.node(l2).applied.stream().filter(e -> e.getData().equals(cmd("20"))).count();
    assertEquals(
        survived ? 1 : 0, copies, "entry 20 applied " + copies + " times\n" + sim.describe());
    System.out.printf(
        "noCommitWithoutMajority seed=%d: uncommitted entry %s was %s%n",
        seed, at, survived ? "committed after healing" : "overwritten");
  }

  /**
   * Many proposals made between two drains of the leader, in bursts while earlier appends are in
   * flight, are each committed exactly once and in one order on every server. Ref: §5.3, thesis
   * §10.2.1 (batching), lab test ConcurrentStarts.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void burstsOfProposalsCommitOnceInOneOrder(long seed) {
    SimCluster sim = SimCluster.of(3, seed);
    long leader = electLeader(sim, sim.ids);
    long term = sim.node(leader).node.status().term();
    List<EntryId> ids = new ArrayList<>();
    for (int burst = 0; burst < 5; burst++) {
      ids.addAll(sim.proposeBatch(leader, 40));
      sim.events(7);
    }
    sim.stabilize(100_000);
    long last = ids.get(ids.size() - 1).index();
    int rounds =
        sim.tickUntil(ROUNDS, () -> sim.upNodes().stream().allMatch(n -> n.applied.size() >= last));
    assertTrue(rounds >= 0, "200 proposals not applied everywhere\n" + sim.describe());
    sim.assertAllApplied(last);
    for (int i = 0; i < ids.size(); i++) {
      assertEquals(
          new EntryId(term, ids.get(0).index() + i),
          ids.get(i),
          "proposal " + i + "\n" + sim.describe());
    }
    // proposeBatch proposes cmd-0, cmd-1, ... in order: each once, in proposal order.
    Set<ByteString> seen = new HashSet<>();
    int previous = -1;
    for (Entry e : sim.node(leader).applied) {
      if (e.getData().isEmpty()) continue;
      assertTrue(
          seen.add(e.getData()), "applied twice: " + Invariants.brief(e) + "\n" + sim.describe());
      int k = Integer.parseInt(e.getData().toStringUtf8().substring("cmd-".length()));
      assertTrue(
          k > previous,
          "applied out of proposal order: " + Invariants.brief(e) + "\n" + sim.describe());
      previous = k;
    }
    assertEquals(
        ids.size(), seen.size(), "not every proposal applied exactly once\n" + sim.describe());
  }

  /**
   * A leader cut off with uncommitted entries, rejoining after others moved on, steps down and its
   * entries are replaced by the new leader's (§5.3: "the leader forces followers' logs to duplicate
   * its own"; §5.4.1: it cannot win an election with its stale log). Lab test Rejoin.
   */
  @ParameterizedTest(name = "preVote={0}, checkQuorum={1}, seed {2}")
  @MethodSource("variantsAndSeeds")
  void rejoiningLeaderLosesUncommittedEntries(boolean preVote, boolean checkQuorum, long seed) {
    SimCluster sim = new SimCluster(3, seed, b -> b.preVote(preVote).checkQuorum(checkQuorum));
    long l1 = electLeader(sim, sim.ids);
    sim.one(cmd("101"), 3, ROUNDS);
    long a = after(sim, l1, 1);
    long b = after(sim, l1, 2);
    sim.connectOnly(a, b);
    List<EntryId> stale = new ArrayList<>();
    for (String c : List.of("stale-102", "stale-103", "stale-104"))
      stale.add(sim.propose(l1, cmd(c)));
    assertTrue(
        stale.stream().allMatch(x -> x != null),
        "isolated leader refused proposals\n" + sim.describe());
    long staleTerm = stale.get(0).term();

    long i103 = sim.one(cmd("103"), 2, ROUNDS);
    long l2 = electLeader(sim, a, b);
    long third = l2 == a ? b : a;
    sim.connectOnly(l1, third);
    sim.one(cmd("104"), 2, ROUNDS);
    assertNotEquals(l1, sim.agreedLeader(l1, third), "stale leader won again\n" + sim.describe());
    assertNotEquals(
        Role.LEADER,
        sim.node(l1).node.status().role(),
        "old leader did not step down\n" + sim.describe());

    sim.connectOnly(sim.ids);
    long last = sim.one(cmd("105"), 3, ROUNDS);
    sim.assertAllApplied(last);
    SimNode old = sim.node(l1);
    assertTrue(
        old.node.status().term() > staleTerm,
        "old leader's term did not move on\n" + sim.describe());
    assertEquals(
        cmd("103"),
        SimCluster.appliedAt(old, i103).getData(),
        "new leader's entry lost\n" + sim.describe());
    for (EntryId e : stale) {
      assertNotEquals(
          staleTerm,
          SimCluster.appliedAt(old, e.index()).getTerm(),
          "stale entry " + e + " survived\n" + sim.describe());
    }
    assertTrue(
        old.applied.stream().noneMatch(e -> e.getData().toStringUtf8().startsWith("stale-")),
        "a stale proposal was applied\n" + sim.describe());
  }

  /**
   * The lab's Backup test: two rounds of divergent, 50-entry uncommitted suffixes, healed in the
   * lab's order. Logs converge, and the leader finds each follower's match point in a number of
   * rejected appends proportional to the number of divergent terms, not entries: the follower's
   * rejection carries a hint (its last index at or below the leader's prevLogTerm) and the leader
   * skips every entry of a term the follower cannot share. Bound asserted: rejections per follower
   * per heal <= 2 * divergentTerms + 2. Ref: §5.3 (the optimization of "the follower can include
   * the term of the conflicting entry"), thesis §3.5.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void backupOverDivergentLogsIsFast(long seed) {
    SimCluster sim =
        new SimCluster(5, seed, b -> b.preVote((seed & 1) == 0).checkQuorum((seed & 2) == 0));
    MessageTally tally = MessageTally.install(sim);
    electLeader(sim, sim.ids);
    sim.one(cmd("first"), 5, ROUNDS);
    long l1 = sim.leader().id;
    long f1 = after(sim, l1, 1);
    sim.connectOnly(l1, f1);
    for (int i = 0; i < 50; i++)
      assertNotNull(sim.propose(l1, cmd("p1-" + i)), "leader refused\n" + sim.describe());
    sim.stabilize(100_000);
    sim.tickAll(ELECTION_TICKS / 2);

    long[] g = {after(sim, l1, 2), after(sim, l1, 3), after(sim, l1, 4)};
    sim.connectOnly(g);
    for (int i = 0; i < 50; i++) sim.one(cmd("c1-" + i), 3, ROUNDS);
    long l2 = electLeader(sim, g);
    long other = l2 == g[0] ? after(sim, l2, 1) : g[0];
    sim.connectOnly(Arrays.stream(g).filter(x -> x != other).toArray());
    for (int i = 0; i < 50; i++)
      assertNotNull(sim.propose(l2, cmd("p2-" + i)), "leader refused\n" + sim.describe());
    sim.stabilize(100_000);
    sim.tickAll(ELECTION_TICKS / 2);

    long[] g2 = {l1, f1, other};
    Map<Long, List<Entry>> before = logs(sim, g2);
    tally.reset();
    sim.connectOnly(g2);
    for (int i = 0; i < 50; i++) sim.one(cmd("c2-" + i), 3, ROUNDS);
    checkBackup(sim, tally, before, sim.agreedLeader(g2), "heal 1", seed);

    before = logs(sim, sim.ids);
    tally.reset();
    sim.connectOnly(sim.ids);
    long last = sim.one(cmd("last"), 5, ROUNDS);
    checkBackup(sim, tally, before, sim.agreedLeader(sim.ids), "heal 2", seed);
    sim.assertAllApplied(last);
  }

  /**
   * Backtracking over a suffix that spans many terms (Figure 7's followers (e) and (f), scaled up):
   * nodes X and Y take turns winning an election with the votes of two lagging nodes, are cut off
   * before their no-op reaches anyone, take 10 proposals and crash; after k turns each, Y (with the
   * newest last term) restarts and wins an election among all five. X's k divergent terms must cost
   * it at most 2k + 2 rejections, though it holds 11k divergent entries. Ref: §5.3, Figure 7,
   * thesis §3.5.
   */
  @ParameterizedTest(name = "{0} terms each, seed {1}")
  @MethodSource("termsAndSeeds")
  void backupOverManyDivergentTerms(int k, long seed) {
    SimCluster sim = new SimCluster(5, seed, b -> b.preVote(false).checkQuorum(false));
    MessageTally tally = MessageTally.install(sim);
    long l0 = electLeader(sim, sim.ids);
    long prefix = sim.one(cmd("prefix"), 5, ROUNDS);
    long x = after(sim, l0, 1);
    long y = after(sim, l0, 2);
    long v1 = after(sim, l0, 3);
    long v2 = after(sim, l0, 4);
    for (int round = 0; round < 2 * k; round++) {
      long c = round % 2 == 0 ? x : y;
      winAndIsolate(sim, c, v1, v2);
      for (int i = 0; i < 10; i++)
        assertNotNull(sim.propose(c, cmd("d" + round + "-" + i)), sim.describe());
    }
    Map<Long, List<Entry>> before = logs(sim, x);
    tally.reset();
    SimNode ny = sim.node(y);
    sim.completeWrites(ny);
    sim.crash(y);
    sim.restart(y);
    sim.connectOnly(sim.ids);
    ny.node.campaign();
    sim.drain(ny);
    long last = sim.one(cmd("last"), 5, ROUNDS);
    sim.assertAllApplied(last);
    assertEquals(
        y,
        sim.agreedLeader(sim.ids),
        "Y, with the newest last term, should lead\n" + sim.describe());
    List<Entry> xlog = before.get(x);
    long xterms =
        xlog.stream()
            .filter(e -> e.getIndex() > prefix)
            .mapToLong(Entry::getTerm)
            .distinct()
            .count();
    assertEquals(k, xterms, "construction: X's divergent terms\n" + sim.describe());
    checkBackup(sim, tally, before, y, k + " terms", seed);
  }

  static Stream<Arguments> termsAndSeeds() {
    return IntStream.of(1, 3, 6)
        .boxed()
        .flatMap(k -> LongStream.rangeClosed(1, 3).mapToObj(s -> Arguments.of(k, s)));
  }

  /**
   * Makes c leader with the votes of v1 and v2 only, then cuts every link before its no-op leaves:
   * c leads a term nobody else has entries of.
   */
  private static void winAndIsolate(SimCluster sim, long c, long v1, long v2) {
    SimNode cand = sim.node(c);
    if (cand.node.status().role() == Role.LEADER) {
      // Still leading its old, cut-off term: it crashes, with everything it wrote on disk.
      sim.completeWrites(cand);
      sim.crash(c);
      sim.restart(c);
    }
    long voterTerm = Math.max(sim.node(v1).node.status().term(), sim.node(v2).node.status().term());
    for (int i = 0; i < 100 && cand.node.status().term() < voterTerm; i++) {
      cand.node.campaign(); // cut off: only raises its term, so that the real campaign is not stale
      sim.drain(cand);
    }
    sim.connectOnly(c, v1, v2);
    cand.node.campaign();
    sim.drain(cand);
    for (int i = 0; i < 1_000 && cand.node.status().role() != Role.LEADER; i++) sim.stabilize(1);
    assertEquals(
        Role.LEADER, cand.node.status().role(), "node " + c + " did not win\n" + sim.describe());
    sim.connectOnly();
  }

  private static Map<Long, List<Entry>> logs(SimCluster sim, long... group) {
    Map<Long, List<Entry>> out = new TreeMap<>();
    for (long id : group) out.put(id, List.copyOf(sim.node(id).view));
    return out;
  }

  /** Asserts the rejection bound for every node whose log before healing is in before. */
  private static void checkBackup(
      SimCluster sim,
      MessageTally tally,
      Map<Long, List<Entry>> before,
      long leader,
      String phase,
      long seed) {
    assertNotEquals(0, leader, phase + ": no agreed leader\n" + sim.describe());
    List<Entry> fin = sim.node(leader).view;
    for (Map.Entry<Long, List<Entry>> e : before.entrySet()) {
      long id = e.getKey();
      List<Entry> log = e.getValue();
      int d = 0;
      while (d < log.size() && d < fin.size() && log.get(d).equals(fin.get(d))) d++;
      List<Entry> divergent = log.subList(d, log.size());
      long terms = divergent.stream().mapToLong(Entry::getTerm).distinct().count();
      long rejections = tally.appendRejectionsFrom(id);
      System.out.printf(
          "backup seed=%d %s: node %d%s had %d divergent entries in %d terms, sent %d rejections%n",
          seed, phase, id, id == leader ? " (leader)" : "", divergent.size(), terms, rejections);
      assertTrue(
          rejections <= 2 * terms + 2,
          phase
              + ": node "
              + id
              + " sent "
              + rejections
              + " rejections for "
              + divergent.size()
              + " divergent entries in "
              + terms
              + " terms\n"
              + sim.describe());
    }
  }
}
