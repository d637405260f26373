package io.raftjvm.core.sim;

import static io.raftjvm.core.sim.AgreementScenarioTest.after;
import static io.raftjvm.core.sim.AgreementScenarioTest.cmd;
import static io.raftjvm.core.sim.AgreementScenarioTest.electLeader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.core.Role;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Leader election liveness (the lab's 2A tests, with bounds): how many ticks a connected majority
 * needs to agree on a leader, re-election after the leader is cut off, asymmetric partitions, and a
 * rejoining server that must not depose a healthy leader. Times are counted in rounds; in each
 * round every up node ticks once (so a round is one tick per node) and the network is drained.
 */
@DisplayName("Scenarios: election liveness (§5.2, thesis §4.2.3, §6.2, §9.6)")
class LivenessScenarioTest {
  static final int ELECTION_TICKS = 10;

  /** Bound on the ticks per node until a connected majority agrees on a leader. */
  static final int ELECTION_BOUND = 5 * ELECTION_TICKS;

  /**
   * Bound for a leader that can send but not hear: CheckQuorum checks once per election timeout for
   * responses since the previous check, so the leader may need two timeouts to step down; its
   * followers hear heartbeats until then, and only then does {@link #ELECTION_BOUND} start.
   */
  static final int DEAF_LEADER_BOUND = 2 * ELECTION_TICKS + ELECTION_BOUND;

  static final int ROUNDS = 10 * ELECTION_TICKS;
  static final int SEEDS = Integer.getInteger("raft.liveness.seeds", 20);

  /** The four settings: (preVote, checkQuorum). */
  static Stream<Arguments> variants() {
    return Stream.of(
        Arguments.of(false, false),
        Arguments.of(true, false),
        Arguments.of(false, true),
        Arguments.of(true, true));
  }

  static SimCluster cluster(int size, long seed, boolean preVote, boolean checkQuorum) {
    return new SimCluster(size, seed, b -> b.preVote(preVote).checkQuorum(checkQuorum));
  }

  /**
   * For 20 seeds, five servers agree on a leader within {@value #ELECTION_BOUND} ticks each: from a
   * fresh start, and again when three of them (not the old leader) are reconnected after every
   * server spent three election timeouts alone. The new leader commits. Ref: §5.2 (randomized
   * election timeouts make split votes rare), thesis §9.6 (PreVote), §6.2 (CheckQuorum).
   */
  @ParameterizedTest(name = "preVote={0}, checkQuorum={1}")
  @MethodSource("variants")
  void majorityElectsLeaderWithinBound(boolean preVote, boolean checkQuorum) {
    int worstFresh = 0;
    int worstRejoin = 0;
    long sumFresh = 0;
    long sumRejoin = 0;
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimCluster sim = cluster(5, seed, preVote, checkQuorum);
      int fresh = sim.tickUntil(ELECTION_BOUND, () -> sim.agreedLeader(sim.ids) != 0);
      assertTrue(
          fresh >= 0,
          "no leader within " + ELECTION_BOUND + " ticks of a fresh start\n" + sim.describe());
      long old = sim.agreedLeader(sim.ids);
      sim.connectOnly();
      sim.tickAll(3 * ELECTION_TICKS);
      long[] majority = {after(sim, old, 1), after(sim, old, 2), after(sim, old, 3)};
      sim.connectOnly(majority);
      int rejoin = sim.tickUntil(ELECTION_BOUND, () -> sim.agreedLeader(majority) != 0);
      assertTrue(
          rejoin >= 0,
          "no leader within "
              + ELECTION_BOUND
              + " ticks of a majority reconnecting\n"
              + sim.describe());
      sim.one(cmd("after-election"), 3, ROUNDS);
      worstFresh = Math.max(worstFresh, fresh);
      worstRejoin = Math.max(worstRejoin, rejoin);
      sumFresh += fresh;
      sumRejoin += rejoin;
    }
    System.out.printf(
        "liveness preVote=%b checkQuorum=%b: ticks per node to elect, fresh start max %d mean %.1f;"
            + " majority reconnected max %d mean %.1f (bound %d, %d seeds)%n",
        preVote,
        checkQuorum,
        worstFresh,
        (double) sumFresh / SEEDS,
        worstRejoin,
        (double) sumRejoin / SEEDS,
        ELECTION_BOUND,
        SEEDS);
  }

  /**
   * The lab's ReElection: the leader is cut off and the other two elect a new one; it rejoins and
   * everyone follows one leader; with two of three cut off the remaining server does not become
   * leader; as servers return a leader is elected again, each time within the bound. Ref: §5.2.
   */
  @ParameterizedTest(name = "preVote={0}, checkQuorum={1}")
  @MethodSource("variants")
  void reElectionAfterLeaderIsCutOff(boolean preVote, boolean checkQuorum) {
    int worst = 0;
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimCluster sim = cluster(3, seed, preVote, checkQuorum);
      long l1 = electLeader(sim, sim.ids);
      long[] rest = {after(sim, l1, 1), after(sim, l1, 2)};
      sim.connectOnly(rest);
      worst = Math.max(worst, within(sim, rest, "after the leader was cut off"));
      long l2 = sim.agreedLeader(rest);
      assertNotEquals(l1, l2, sim.describe());

      sim.connectOnly(sim.ids);
      worst = Math.max(worst, within(sim, sim.ids, "after the old leader rejoined"));
      assertNotEquals(
          Role.LEADER,
          sim.node(l1).node.status().role(),
          "old leader still leads\n" + sim.describe());

      long leader = sim.agreedLeader(sim.ids);
      long alone = after(sim, leader, 2);
      sim.connectOnly(alone);
      sim.tickAll(2 * ELECTION_TICKS);
      assertNotEquals(
          Role.LEADER,
          sim.node(alone).node.status().role(),
          "a lone server leads\n" + sim.describe());
      long[] two = {alone, after(sim, leader, 1)};
      sim.connectOnly(two);
      worst = Math.max(worst, within(sim, two, "with two of three reconnected"));
      sim.connectOnly(sim.ids);
      worst = Math.max(worst, within(sim, sim.ids, "with all three reconnected"));
      sim.one(cmd("done"), 3, ROUNDS);
    }
    System.out.printf(
        "re-election preVote=%b checkQuorum=%b: worst %d ticks per node (bound %d, %d seeds)%n",
        preVote, checkQuorum, worst, ELECTION_BOUND, SEEDS);
  }

  /** Ticks until group agrees on a leader, failing after the bound; returns the ticks it took. */
  private static int within(SimCluster sim, long[] group, String when) {
    int rounds = sim.tickUntil(ELECTION_BOUND, () -> sim.agreedLeader(group) != 0);
    assertTrue(
        rounds >= 0,
        "no leader within " + ELECTION_BOUND + " ticks " + when + "\n" + sim.describe());
    return rounds;
  }

  /**
   * A leader that can send but not receive: with CheckQuorum it steps down after an election
   * timeout without acknowledgements, the two others elect a leader within {@value
   * #DEAF_LEADER_BOUND} ticks each, and that leader keeps its term while proposals commit. Without
   * CheckQuorum the deaf leader keeps heartbeating, nobody times out and nothing commits: the case
   * CheckQuorum is for. Ref: thesis §6.2 (CheckQuorum), §5.2.
   */
  @ParameterizedTest(name = "preVote={0}, checkQuorum={1}")
  @MethodSource("variants")
  void leaderThatCannotHear(boolean preVote, boolean checkQuorum) {
    int worst = 0;
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimCluster sim = cluster(3, seed, preVote, checkQuorum);
      long l1 = electLeader(sim, sim.ids);
      sim.one(cmd("before"), 3, ROUNDS);
      long[] rest = {after(sim, l1, 1), after(sim, l1, 2)};
      for (long f : rest) sim.net.cut(f, l1);
      int rounds = sim.tickUntil(DEAF_LEADER_BOUND, () -> sim.agreedLeader(rest) != 0);
      if (!checkQuorum) {
        assertEquals(
            -1, rounds, "followers of a deaf leader elected another one\n" + sim.describe());
        assertEquals(Role.LEADER, sim.node(l1).node.status().role(), sim.describe());
        continue;
      }
      assertTrue(
          rounds >= 0,
          "no working leader within " + DEAF_LEADER_BOUND + " ticks\n" + sim.describe());
      long l2 = sim.agreedLeader(rest);
      long term = sim.node(l2).node.status().term();
      for (int i = 0; i < 10; i++) {
        sim.one(cmd("p" + i), 2, ROUNDS);
        sim.tickAll(ELECTION_TICKS);
      }
      assertEquals(
          term,
          sim.node(l2).node.status().term(),
          "the working leader was disturbed\n" + sim.describe());
      assertEquals(l2, sim.agreedLeader(rest), sim.describe());
      worst = Math.max(worst, rounds);
    }
    if (checkQuorum) {
      System.out.printf(
          "deaf leader preVote=%b checkQuorum=true: new leader within %d ticks per node (bound %d, %d"
              + " seeds)%n",
          preVote, worst, DEAF_LEADER_BOUND, SEEDS);
    }
  }

  /**
   * A follower that can receive but not send never times out (it hears the heartbeats), so the
   * leader and term never change, proposals commit with the other follower, and the mute one still
   * learns every entry and commit index through the appends it receives (its unacknowledged appends
   * stay within the inflight window). Ref: §5.2, §5.3.
   */
  @ParameterizedTest(name = "preVote={0}, checkQuorum={1}")
  @MethodSource("variants")
  void followerThatCannotSend(boolean preVote, boolean checkQuorum) {
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimCluster sim = cluster(3, seed, preVote, checkQuorum);
      long leader = electLeader(sim, sim.ids);
      long term = sim.node(leader).node.status().term();
      long mute = after(sim, leader, 1);
      for (long other : sim.ids) if (other != mute) sim.net.cut(mute, other);
      long last = 0;
      for (int i = 0; i < 10; i++) {
        last = sim.one(cmd("p" + i), 2, ROUNDS);
        sim.tickAll(ELECTION_TICKS);
      }
      assertEquals(leader, sim.agreedLeader(sim.ids), "leadership changed\n" + sim.describe());
      assertEquals(term, sim.node(leader).node.status().term(), "term changed\n" + sim.describe());
      sim.assertAllApplied(last);
    }
  }

  /**
   * A follower that can send but not receive times out and campaigns. With PreVote or CheckQuorum
   * the others, hearing their leader, ignore it: the leader and term never change. With neither,
   * each of its campaigns deposes the leader, yet a leader is re-elected each time and proposals
   * still commit. Ref: thesis §4.2.3 (disruptive servers), §9.6.
   */
  @ParameterizedTest(name = "preVote={0}, checkQuorum={1}")
  @MethodSource("variants")
  void followerThatCannotHear(boolean preVote, boolean checkQuorum) {
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimCluster sim = cluster(3, seed, preVote, checkQuorum);
      long leader = electLeader(sim, sim.ids);
      long term = sim.node(leader).node.status().term();
      long deaf = after(sim, leader, 1);
      for (long other : sim.ids) if (other != deaf) sim.net.cut(other, deaf);
      for (int i = 0; i < 10; i++) {
        sim.one(cmd("p" + i), 2, 3 * ROUNDS);
        sim.tickAll(ELECTION_TICKS);
      }
      long now = sim.node(leader).node.status().term();
      if (preVote || checkQuorum) {
        assertEquals(term, now, "the deaf follower disrupted the leader\n" + sim.describe());
        assertEquals(Role.LEADER, sim.node(leader).node.status().role(), sim.describe());
      } else if (seed == 1) {
        System.out.printf("deaf follower without PreVote/CheckQuorum: term %d -> %d%n", term, now);
      }
    }
  }

  /**
   * A follower cut off for ten election timeouts rejoins. With PreVote its failed pre-campaigns
   * never raised its term, so the leader keeps leading in the same term and the follower catches
   * up. Without PreVote its term raced ahead and its return deposes the leader (directly through
   * its vote requests, or, with CheckQuorum, through its answer to a stale heartbeat). Ref: thesis
   * §9.6 (PreVote), §4.2.3.
   */
  @ParameterizedTest(name = "preVote={0}, checkQuorum={1}")
  @MethodSource("variants")
  void rejoiningFollowerDoesNotDisruptWithPreVote(boolean preVote, boolean checkQuorum) {
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimCluster sim = cluster(3, seed, preVote, checkQuorum);
      long leader = electLeader(sim, sim.ids);
      long term = sim.node(leader).node.status().term();
      long away = after(sim, leader, 1);
      sim.connectOnly(leader, after(sim, leader, 2));
      for (int i = 0; i < 10; i++) {
        sim.one(cmd("p" + i), 2, ROUNDS);
        sim.tickAll(ELECTION_TICKS);
      }
      long awayTerm = sim.node(away).node.status().term();
      sim.connectOnly(sim.ids);
      sim.tickAll(5 * ELECTION_TICKS);
      long now = sim.node(leader).node.status().term();
      if (preVote) {
        assertEquals(
            term, awayTerm, "an isolated pre-candidate raised its term\n" + sim.describe());
        assertEquals(term, now, "the rejoining follower changed the term\n" + sim.describe());
        assertEquals(leader, sim.agreedLeader(sim.ids), "the leader changed\n" + sim.describe());
      } else {
        assertTrue(awayTerm > term, "isolated candidate kept its term\n" + sim.describe());
        assertTrue(
            now > term, "expected the rejoining follower to force a new term\n" + sim.describe());
      }
      long last = sim.one(cmd("after"), 3, ROUNDS);
      sim.assertAllApplied(last);
    }
  }
}
