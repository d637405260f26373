package io.raftjvm.core.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.core.PlantedFault;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole-node simulation: real {@code NodeDriver}s (log writer, applier, sessions, reads,
 * snapshots) under seeded faults, with clients. Each seed drives a cluster through a fixed number
 * of random events (drops, duplicates, reordering, symmetric and asymmetric partitions, crashes
 * between any two runtime steps, restarts, pauses, stalled disks, membership changes, snapshots,
 * leadership transfers) with the Figure 3 properties checked after every event, while clients add
 * through sessions and read from leaders and followers (ReadIndex, and leases on a share of the
 * seeds). Then it heals everything, demands that the cluster converge and the clients finish, and
 * checks the history: linearizable, every acknowledged add applied exactly once on every member,
 * every retry answered with its first result, no read older than a write acknowledged before it.
 *
 * <p>Replay one seed: {@code bin/raft-sim.sh --seed N --nodes 5} (or {@code --membership}). The
 * failure message starts with that command line, then names the seed and step and prints the latest
 * events.
 */
@DisplayName("Simulation: Figure 3 properties under faults")
class SimulationTest {
  static final int STEPS = Integer.getInteger("raft.sim.steps", 20_000);
  static final int SEEDS_PER_SIZE = Integer.getInteger("raft.sim.seeds", 150);

  /**
   * Append size caps: 1 byte means one entry per append, which splits what a leader sends the most.
   */
  private static final long[] MSG_SIZES = {1, 64, 4096};

  static Stream<Arguments> seeds() {
    String one = System.getProperty("raft.sim.seed");
    if (one != null) {
      return Stream.of(Arguments.of(Integer.getInteger("raft.sim.nodes", 3), Long.parseLong(one)));
    }
    return Stream.concat(
        LongStream.rangeClosed(1, SEEDS_PER_SIZE).mapToObj(s -> Arguments.of(3, s)),
        LongStream.rangeClosed(1, SEEDS_PER_SIZE).mapToObj(s -> Arguments.of(5, 1_000 + s)));
  }

  /** Seeds for membership changes: 3 founders and 4 servers that may join, leave and come back. */
  static Stream<Arguments> membershipSeeds() {
    String one = System.getProperty("raft.sim.membership.seed");
    if (one != null) return Stream.of(Arguments.of(3, Long.parseLong(one)));
    return LongStream.rangeClosed(1, SEEDS_PER_SIZE).mapToObj(s -> Arguments.of(3, 2_000 + s));
  }

  @ParameterizedTest(name = "{0} nodes, seed {1}")
  @MethodSource("seeds")
  void faultsNeverBreakSafety(int nodes, long seed) {
    run(nodes, 0, seed);
  }

  /**
   * Thesis ch. 4: membership changes mixed into the same faults; replay one seed with {@code
   * bin/raft-sim.sh --seed N --membership}.
   */
  @ParameterizedTest(name = "{0} founders + 4 spares, seed {1}")
  @MethodSource("membershipSeeds")
  void membershipChangesUnderFaultsNeverBreakSafety(int nodes, long seed) {
    run(nodes, 4, seed);
  }

  private static void run(int nodes, int spares, long seed) {
    String plant = System.getProperty("raft.sim.plant", "");
    PlantedFault[] planted =
        plant.isBlank()
            ? new PlantedFault[0]
            : java.util.Arrays.stream(plant.split(","))
                .map(String::trim)
                .map(PlantedFault::valueOf)
                .toArray(PlantedFault[]::new);
    try {
      run(nodes, spares, seed, planted);
    } catch (AssertionError e) {
      throw new AssertionError(
          "replay: bin/raft-sim.sh --seed "
              + seed
              + " --nodes "
              + nodes
              + (spares > 0 ? " --membership" : "")
              + (plant.isBlank() ? "" : " --plant " + plant)
              + "\n"
              + e.getMessage(),
          e.getCause() != null ? e.getCause() : e);
    }
  }

  /** One seed's run, with deliberate bugs planted in every node (none for the real thing). */
  static void run(int nodes, int spares, long seed, PlantedFault... planted) {
    // The variant (PreVote, CheckQuorum, network quality) comes from the seed, so a replay matches.
    boolean preVote = (seed & 1) == 0;
    boolean checkQuorum = (seed & 2) == 0;
    boolean leaseReads = checkQuorum && (seed / 16) % 2 == 1;
    SimCluster sim =
        new SimCluster(
            nodes,
            spares,
            seed,
            b ->
                b.preVote(preVote)
                    .checkQuorum(checkQuorum)
                    .leaseReads(leaseReads)
                    .plant(planted)
                    .maxSizePerMsg(MSG_SIZES[(int) (seed % MSG_SIZES.length)])
                    .maxInflightMsgs(4)
                    .maxInflightBytes(1024),
            seed % 5 == 0 ? 2_000 : io.raftjvm.runtime.ApplyWorker.DEFAULT_SESSION_TIMEOUT_MS);
    sim.net.dropRate = (seed % 3) * 0.05;
    sim.net.duplicateRate = 0.03;
    sim.net.reorderWindow = 1 + (int) (seed % 4);
    sim.net.delayRate = 0.01;
    sim.syncWriteRate = 0.2 + (seed % 5) * 0.15;
    Chaos chaos = new Chaos(sim);
    // Two weathers: stormy seeds crash and partition often (where the subtle cases hide); calm
    // ones run long enough between faults to build long, divergent logs.
    boolean stormy = (seed / 4) % 2 == 0;
    chaos.crashRate = stormy ? 0.01 + (seed % 3) * 0.01 : 0.002 + (seed % 3) * 0.002;
    chaos.restartRate = stormy ? 0.03 : 0.01;
    chaos.partitionRate = stormy ? 0.02 : 0.01;
    // Half the seeds snapshot and compact now and then: lagging followers then need
    // InstallSnapshot.
    if ((seed / 8) % 2 == 0) chaos.snapshotRate = 0.005;
    if (spares > 0)
      chaos.membershipRate =
          Double.parseDouble(System.getProperty("raft.sim.membership.rate", "0.01"));
    // Clients on every seed: sessions, retries, reads on leaders and followers. Some seeds expire
    // idle sessions quickly; some serve reads from the leader's lease, with the clocks in step.
    sim.clients = new SimClients(sim, 2 + (int) (seed % 3));
    chaos.clientRate = 0.25;
    chaos.deliveries = Integer.getInteger("raft.sim.deliveries", 6);
    chaos.pauseRate = 0.002;
    chaos.diskStallRate = 0.001;
    chaos.applyStallRate = 0.002;
    // In-flight window (4 messages, 1 KiB) plus what a stalled leader took before it handed over.
    chaos.maxUnwritten = 2_000;
    if (leaseReads) chaos.lockstepTicks = nodes * 3;
    try {
      for (int i = 0; i < STEPS; i++) chaos.step();
      sim.invariants.checkViews();
      chaos.settle(2_000);
      sim.invariants.checkViews();
    } catch (RuntimeException e) {
      throw new AssertionError("unexpected exception\n" + sim.describe(), e);
    }
    assertTrue(sim.invariants.committed().size() > 1, "nothing was committed\n" + sim.describe());
    if (planted.length == 0) TOTALS.add(sim);
  }

  @AfterAll
  static void printTotals() {
    System.out.println(TOTALS);
  }

  /** What the seeds exercised, summed: printed once so runs can be compared. */
  private static final class Totals {
    long runs;
    long steps;
    long committed;
    long terms;
    long restarts;
    long sent;
    long dropped;
    long invariantChecks;
    long confChanges;
    long snapshotsTaken;
    long snapshotsInstalled;
    long reads;
    long followerReads;
    long clientOps;
    long clientOk;
    long clientUnknown;
    long clientRetries;
    long sessionsExpired;
    long pauses;
    long diskStalls;
    long applyStalls;

    void add(SimCluster sim) {
      runs++;
      steps += sim.step;
      committed += sim.invariants.committed().size();
      long maxTerm = 0;
      for (SimNode n : sim.nodes.values()) {
        maxTerm = Math.max(maxTerm, n.node.status().term());
        restarts += n.restarts;
      }
      terms += maxTerm;
      sent += sim.net.sent;
      dropped += sim.net.dropped;
      invariantChecks += sim.invariants.checks;
      confChanges += sim.confChanges;
      snapshotsTaken += sim.snapshotsTaken;
      snapshotsInstalled += sim.snapshotsInstalled;
      reads += sim.readsServed;
      followerReads += sim.followerReads;
      pauses += sim.pauses;
      diskStalls += sim.diskStalls;
      applyStalls += sim.applyStalls;
      if (sim.clients != null) {
        clientOps += sim.clients.history.size();
        clientOk += sim.clients.ok;
        clientUnknown += sim.clients.unknown;
        clientRetries += sim.clients.retries;
        sessionsExpired += sim.clients.expired;
      }
    }

    @Override
    public String toString() {
      return String.format(
          "simulation: %d runs, %d fault steps, %d invariant checks, %d entries committed, "
              + "%d terms, %d restarts, %d messages sent (%d dropped), %d membership changes accepted, "
              + "%d snapshots taken, %d installed from a leader, %d linearizable reads served (%d by followers), %d pauses, %d disk stalls, %d slow appliers; "
              + "clients: %d operations checked linearizable (%d ok, %d unknown), %d retries, %d sessions expired",
          runs,
          steps,
          invariantChecks,
          committed,
          terms,
          restarts,
          sent,
          dropped,
          confChanges,
          snapshotsTaken,
          snapshotsInstalled,
          reads,
          followerReads,
          pauses,
          diskStalls,
          applyStalls,
          clientOps,
          clientOk,
          clientUnknown,
          clientRetries,
          sessionsExpired);
    }
  }

  private static final Totals TOTALS = new Totals();
}
