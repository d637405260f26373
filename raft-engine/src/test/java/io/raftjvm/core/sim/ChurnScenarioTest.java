package io.raftjvm.core.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.core.Role;
import io.raftjvm.proto.Entry;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Churn, in the shape of the lab tests ReliableChurn and UnreliableChurn: while clients keep
 * proposing on whichever servers lead, servers are cut off, crashed (several at once, now and then:
 * a crash loses every write not yet reported durable) and restarted from their disks. At the end
 * everything comes back, one more proposal must be applied on all five, every server must have
 * applied the same log, and every command any server ever applied must be in it exactly once.
 *
 * <p>Replay one seed: {@code -Dtest=ChurnScenarioTest -Draft.churn.seed=N
 * -Draft.churn.unreliable=true}; run more with {@code -Draft.churn.seeds=500
 * -Draft.churn.iterations=200}.
 */
@DisplayName("Scenarios: churn with crashes and restarts (§5.4, §5.5)")
class ChurnScenarioTest {
  static final int ELECTION_TICKS = 10;
  static final int ITERATIONS = Integer.getInteger("raft.churn.iterations", 40);

  /** Rounds of ticks per iteration: 0.7 election timeouts, as in the lab. */
  static final int ROUNDS_PER_ITERATION = 7;

  static final int EVENTS = 40;
  static final int FINAL_ROUNDS = 50 * ELECTION_TICKS;

  /** (unreliable network, seed). */
  static Stream<Arguments> seeds() {
    String one = System.getProperty("raft.churn.seed");
    if (one != null)
      return Stream.of(
          Arguments.of(Boolean.getBoolean("raft.churn.unreliable"), Long.parseLong(one)));
    int seeds = Integer.getInteger("raft.churn.seeds", 12);
    return Stream.of(false, true)
        .flatMap(u -> LongStream.rangeClosed(1, seeds).mapToObj(s -> Arguments.of(u, s)));
  }

  /**
   * No committed command is lost or duplicated, and the cluster converges, through crashes of
   * random servers (several at once included) and restarts. Ref: §5.4 (Leader Completeness, State
   * Machine Safety), §5.5 (follower and candidate crashes), Figure 2 (persist before responding).
   */
  @ParameterizedTest(name = "unreliable={0}, seed {1}")
  @MethodSource("seeds")
  void churnKeepsCommittedCommands(boolean unreliable, long seed) {
    boolean preVote = (seed & 1) == 0;
    boolean checkQuorum = (seed & 2) == 0;
    SimCluster sim =
        new SimCluster(
            5,
            seed,
            b ->
                b.preVote(preVote)
                    .checkQuorum(checkQuorum)
                    .maxSizePerMsg(seed % 3 == 0 ? 64 : 1 << 20)
                    .maxInflightMsgs(16));
    sim.syncWriteRate = 0.1 + (seed % 4) * 0.2;
    if (unreliable) {
      sim.net.dropRate = 0.1;
      sim.net.duplicateRate = 0.03;
      sim.net.reorderWindow = 4;
      sim.net.delayRate = 0.02;
    }
    Set<ByteString> appliedSomewhere = new HashSet<>();
    sim.readyObserver =
        rd ->
            rd.toApply()
                .forEach(
                    e -> {
                      if (!e.getData().isEmpty()) appliedSomewhere.add(e.getData());
                    });
    SplittableRandom rnd = sim.random;
    Set<Long> cutOff = new HashSet<>();
    int crashes = 0;
    int multiCrashes = 0;
    int[] finalRounds = {0};
    long index;
    try {
      for (int iter = 0; iter < ITERATIONS; iter++) {
        // The faults strike at a random moment of the iteration, writes and messages in flight.
        int faultRound = rnd.nextInt(ROUNDS_PER_ITERATION);
        int faultEvent = rnd.nextInt(EVENTS);
        for (int r = 0; r < ROUNDS_PER_ITERATION; r++) {
          for (SimNode n : sim.upNodes()) {
            if (n.node.status().role() == Role.LEADER) sim.propose(n.id, sim.nextCommand());
          }
          if (r != faultRound) {
            sim.run(1, EVENTS);
            continue;
          }
          sim.run(1, faultEvent);
          if (rnd.nextInt(1000) < 200) cutOff.add(randomId(sim));
          if (rnd.nextInt(1000) < 500) {
            // A random server that is down or cut off comes back.
            long[] away =
                Arrays.stream(sim.ids)
                    .filter(id -> !sim.node(id).up || cutOff.contains(id))
                    .toArray();
            if (away.length > 0) {
              long id = away[rnd.nextInt(away.length)];
              sim.restart(id);
              cutOff.remove(id);
            }
          }
          if (rnd.nextInt(1000) < 200) {
            // Half the time the leader: its writes in flight are where lost acknowledgements hide.
            SimNode leader = sim.leader();
            long id = leader != null && rnd.nextBoolean() ? leader.id : randomId(sim);
            if (sim.node(id).up) crashes++;
            sim.crash(id);
          }
          if (rnd.nextInt(1000) < 100) {
            // Several at once: two or three servers, perhaps a majority, go down together.
            int k = 2 + rnd.nextInt(2);
            for (int i = 0; i < k; i++) sim.crash(randomId(sim));
            multiCrashes++;
          }
          sim.connectOnly(Arrays.stream(sim.ids).filter(id -> !cutOff.contains(id)).toArray());
          sim.events(EVENTS - faultEvent);
        }
      }
      sim.run(ELECTION_TICKS, EVENTS);
      sim.net.dropRate = 0;
      sim.net.delayRate = 0;
      sim.net.duplicateRate = 0;
      for (long id : sim.ids) sim.restart(id);
      sim.connectOnly(sim.ids);
      sim.trace("all back, network reliable");
      index =
          sim.one(
              ByteString.copyFromUtf8("final"),
              5,
              FINAL_ROUNDS,
              () -> {
                finalRounds[0]++;
                sim.run(1, EVENTS);
              });
      sim.assertAllApplied(index);
      sim.invariants.checkViews();
    } catch (RuntimeException e) {
      throw new AssertionError("unexpected exception\n" + sim.describe(), e);
    }
    // Every command any server applied, at any time, is in the final log exactly once.
    Set<ByteString> inFinal = new HashSet<>();
    for (Entry e : sim.node(1).applied.subList(0, (int) index)) {
      if (e.getData().isEmpty()) continue;
      assertTrue(
          inFinal.add(e.getData()),
          "applied twice: " + Invariants.brief(e) + "\n" + sim.describe());
    }
    Set<ByteString> missing = new HashSet<>(appliedSomewhere);
    missing.removeAll(inFinal);
    assertEquals(
        Set.of(), missing, "commands applied once but no longer in the log\n" + sim.describe());
    System.out.printf(
        "churn unreliable=%b seed=%d preVote=%b checkQuorum=%b: %d proposed, %d commands applied,"
            + " %d crashes + %d multi-crashes, final agreement after %d rounds%n",
        unreliable,
        seed,
        preVote,
        checkQuorum,
        sim.proposed,
        inFinal.size(),
        crashes,
        multiCrashes,
        finalRounds[0]);
    runs++;
    if (inFinal.size() > 1) runsWithCommits++;
  }

  /** Runs so far, and those in which some client command (besides "final") was committed. */
  private static int runs;

  private static int runsWithCommits;

  /**
   * A single run may see a majority down throughout, but a cluster that commits in few runs has
   * lost liveness somewhere: at least three quarters of the runs must commit client commands.
   */
  @AfterAll
  static void mostRunsCommit() {
    System.out.printf("churn: %d of %d runs committed client commands%n", runsWithCommits, runs);
    assertTrue(
        runsWithCommits * 4 >= runs * 3,
        runsWithCommits + " of " + runs + " runs committed anything");
  }

  private static long randomId(SimCluster sim) {
    return sim.ids[sim.random.nextInt(sim.ids.length)];
  }
}
