package io.raftjvm.core.sim;

import io.raftjvm.core.ConfChanges;
import io.raftjvm.core.Role;
import io.raftjvm.proto.ConfChange;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Message;
import java.util.List;

/**
 * The fault schedule: each call to {@link #step()} performs one random event on the cluster (tick,
 * deliver, disk write completes, propose, partition or heal, crash or restart), then checks every
 * invariant.
 */
final class Chaos {
  private final SimCluster sim;

  /** Probability that a step changes the network's partitions. */
  double partitionRate = 0.01;

  /** Probability that a step crashes a server, and that one restarts a crashed server. */
  double crashRate = 0.01;

  double restartRate = 0.01;

  /**
   * Probability that a step asks the leader to hand leadership to a random voter (thesis §3.10).
   */
  double transferRate = 0.003;

  /**
   * Probability that a step asks the leader for a membership change: add a non-member as a learner,
   * promote a learner, or remove a member (thesis ch. 4). 0 unless the cluster has spares.
   */
  double membershipRate = 0;

  /**
   * Probability that a step asks a server (the leader more often) for a linearizable read (thesis
   * §6.4).
   */
  double readRate = 0.03;

  /** Probability that a step has a random server snapshot and compact its log (thesis ch. 5). */
  double snapshotRate = 0;

  /**
   * Probability that a step pauses a server (the leader half the time) for longer than an election
   * timeout.
   */
  double pauseRate = 0;

  /**
   * Probability that a step stalls a server's disk (the leader half the time) for longer than an
   * election timeout; the cluster must keep serving and the stalled server's memory stay bounded.
   */
  double diskStallRate = 0;

  /** Probability that a step slows a server's state machine down for a while. */
  double applyStallRate = 0;

  /** Most entries a server may hold beyond what its disk has, checked every step (0: unchecked). */
  long maxUnwritten = 0;

  /** Probability that a step is a client's (needs sim.clients). */
  double clientRate = 0;

  /**
   * Every server ticks once every this many steps, all together, instead of at random steps: the
   * servers' clocks then run at one rate, as lease reads require (thesis §6.4.1). 0: random ticks.
   */
  int lockstepTicks = 0;

  /**
   * Messages a delivery step delivers (at most): more keeps a busy cluster's network from lagging
   * its clocks.
   */
  int deliveries = 1;

  /** Virtual time per step, in microseconds (the clock that stamps session entries). */
  long microsPerStep = 1_000;

  Chaos(SimCluster sim) {
    this.sim = sim;
  }

  void step() {
    sim.step++;
    sim.net.advance();
    sim.scheduler.advance(microsPerStep);
    sim.resumeDue();
    if (pauseRate > 0 && sim.random.nextDouble() < pauseRate) {
      SimNode leader = sim.leader();
      long id = leader != null && sim.random.nextBoolean() ? leader.id : randomId();
      sim.pause(id, 100 + sim.random.nextInt(1_200));
    }
    if (diskStallRate > 0 && sim.random.nextDouble() < diskStallRate) {
      SimNode leader = sim.leader();
      long id = leader != null && sim.random.nextBoolean() ? leader.id : randomId();
      if (!sim.node(id).diskStalled()) sim.stallDisk(id, 200 + sim.random.nextInt(1_500));
    }
    if (applyStallRate > 0 && sim.random.nextDouble() < applyStallRate) {
      sim.stallApply(randomId(), 50 + sim.random.nextInt(500));
    }
    if (lockstepTicks > 0 && sim.step % lockstepTicks == 0) {
      for (long id : shuffled(sim.ids)) sim.tick(id);
    }
    double r = sim.random.nextDouble();
    double p;
    if (sim.clients != null && r < clientRate) {
      sim.clients.step();
      r = 2; // nothing else this step
    } else if (sim.clients != null) {
      r = (r - clientRate) / (1 - clientRate);
    }
    if (r >= 1) {
      // the clients' step
    } else if (r < (p = 0.30)) {
      if (lockstepTicks == 0) sim.tick(randomId());
    } else if (r < (p += 0.40)) {
      for (int i = 0; i < deliveries && !sim.net.isEmpty(); i++) {
        Message m = sim.net.next();
        if (m != null) sim.deliver(m);
      }
    } else if (r < (p += 0.12)) {
      SimNode n = sim.node(randomId());
      if (n.writesPending()) sim.completeWrites(n);
    } else if (r < (p += 0.10)) {
      // Any server that believes it leads takes proposals, deposed ones too.
      List<SimNode> leaders =
          sim.upNodes().stream().filter(n -> n.node.status().role() == Role.LEADER).toList();
      long target =
          !leaders.isEmpty() && sim.random.nextInt(4) != 0
              ? leaders.get(sim.random.nextInt(leaders.size())).id
              : randomId();
      sim.propose(target, sim.nextCommand());
    } else if (r < (p += partitionRate)) {
      changeNetwork();
    } else if (r < (p += crashRate)) {
      // Leaders and candidates crash more often: that is where the subtle cases are.
      SimNode leader = sim.leader();
      long id = leader != null && sim.random.nextBoolean() ? leader.id : randomId();
      sim.crash(id);
    } else if (r < (p += transferRate)) {
      SimNode leader = sim.leader();
      long target = randomId();
      if (leader != null && target != leader.id) {
        sim.trace("transfer leadership " + leader.id + " -> " + target);
        try {
          leader.node.transferLeadership(target);
        } catch (IllegalArgumentException e) {
          sim.trace("transfer refused: " + e.getMessage()); // not a voter
        }
        sim.drain(leader);
      }
    } else if (r < (p += membershipRate)) {
      changeMembership();
    } else if (r < (p += readRate)) {
      SimNode leader = sim.leader();
      sim.read(leader != null && sim.random.nextBoolean() ? leader.id : randomId());
    } else if (r < (p += snapshotRate)) {
      sim.snapshot(randomId(), sim.random.nextInt(4) == 0 ? 0 : sim.random.nextInt(20));
    } else if (r < p + restartRate) {
      for (SimNode n : sim.nodes.values()) {
        if (!n.up) {
          sim.restart(n.id);
          break;
        }
      }
    } else if (lockstepTicks == 0) {
      sim.tick(randomId());
    }
    sim.invariants.check();
    if (maxUnwritten > 0) {
      for (SimNode n : sim.nodes.values()) {
        if (n.unwritten() > maxUnwritten) {
          throw new AssertionError(
              "node "
                  + n.id
                  + " holds "
                  + n.unwritten()
                  + " entries its disk does not have"
                  + (n.diskStalled() ? " (its disk is stalled)" : "")
                  + ", more than "
                  + maxUnwritten
                  + "\n"
                  + sim.describe());
        }
      }
    }
    if (sim.step % 500 == 0) sim.invariants.checkViews();
  }

  private void changeMembership() {
    // Deposed leaders that have not heard the news try too: two leaders of different terms each
    // appending a change is the case the "commit an entry of your term first" rule exists for.
    List<SimNode> leaders =
        sim.upNodes().stream().filter(n -> n.node.status().role() == Role.LEADER).toList();
    if (leaders.isEmpty()) return;
    SimNode leader = leaders.get(sim.random.nextInt(leaders.size()));
    ConfState conf = leader.node.confState();
    List<Long> learners = conf.getLearnersList();
    List<Long> members = new java.util.ArrayList<>(conf.getVotersList());
    members.addAll(learners);
    List<Long> others =
        java.util.Arrays.stream(sim.ids).boxed().filter(id -> !members.contains(id)).toList();
    int op = sim.random.nextInt(3);
    ConfChange cc;
    if (op == 0 && !learners.isEmpty()) {
      cc = ConfChanges.promote(learners.get(sim.random.nextInt(learners.size())));
    } else if (op <= 1 && !others.isEmpty()) {
      // Servers removed earlier may come back, with whatever their disk still holds.
      long id = others.get(sim.random.nextInt(others.size()));
      cc = ConfChanges.addLearner(id, "sim-" + id + ":1", "");
    } else {
      cc = ConfChanges.remove(members.get(sim.random.nextInt(members.size())));
    }
    sim.changeMembership(leader.id, cc);
  }

  private long randomId() {
    return sim.ids[sim.random.nextInt(sim.ids.length)];
  }

  private void changeNetwork() {
    long[] ids = sim.ids;
    switch (sim.random.nextInt(5)) {
      case 0, 1 -> {
        sim.net.heal();
        sim.trace("heal");
      }
      case 2 -> {
        long id = randomId();
        sim.net.isolate(id, ids);
        sim.trace("isolate " + id);
      }
      case 3 -> {
        int cut = 1 + sim.random.nextInt(ids.length - 1);
        long[] shuffled = shuffled(ids);
        long[] a = java.util.Arrays.copyOfRange(shuffled, 0, cut);
        long[] b = java.util.Arrays.copyOfRange(shuffled, cut, shuffled.length);
        sim.net.partition(a, b);
        sim.trace(
            "partition " + java.util.Arrays.toString(a) + " | " + java.util.Arrays.toString(b));
      }
      default -> {
        long from = randomId();
        long to = randomId();
        if (from != to) {
          sim.net.cut(from, to);
          sim.trace("cut " + from + " -> " + to + " (one way)");
        }
      }
    }
  }

  private long[] shuffled(long[] ids) {
    long[] s = ids.clone();
    for (int i = s.length - 1; i > 0; i--) {
      int j = sim.random.nextInt(i + 1);
      long t = s[i];
      s[i] = s[j];
      s[j] = t;
    }
    return s;
  }

  /**
   * Ends the faults: heals the network, restarts every server, and runs until a leader has
   * committed a fresh entry and every server applied the same log. Fails if that takes more than
   * maxRounds rounds of ticks, which would be a liveness bug.
   */
  void settle(int maxRounds) {
    sim.net.heal();
    sim.net.delayRate = 0;
    sim.net.dropRate = 0;
    sim.net.duplicateRate = 0;
    sim.trace("settle: heal, resume and restart all");
    for (SimNode n : sim.nodes.values()) {
      n.pausedUntil = 0;
      if (n.diskStalled()) n.diskStalledUntil = 1;
      if (n.applyStalledUntil != 0) n.applyStalledUntil = 1;
    }
    sim.resumeDue();
    for (SimNode n : sim.nodes.values()) sim.restart(n.id);
    io.raftjvm.core.EntryId target = null;
    for (int round = 0; round < maxRounds; round++) {
      sim.tickAll();
      SimNode leader = sim.leader();
      if (leader == null) continue;
      // A proposal made under an earlier leader may have been lost with it: propose again.
      if (target == null
          || (target.term() != leader.node.status().term()
              && leader.termAt(Math.min(target.index(), leader.lastIndex())) != target.term())) {
        target = sim.propose(leader.id, sim.nextCommand());
        sim.stabilize(10_000);
      }
      if (target != null && allApplied(leader, target.index())) {
        finishClients(maxRounds);
        return;
      }
    }
    throw new AssertionError(
        "cluster did not converge within "
            + maxRounds
            + " rounds after healing\n"
            + sim.describe());
  }

  /**
   * Lets the clients finish what they started on the healed cluster, then checks their history:
   * linearizable, and every acknowledged add applied exactly once on every member.
   */
  private void finishClients(int maxRounds) {
    if (sim.clients == null) return;
    sim.clients.stopping = true;
    for (int round = 0; !sim.clients.idle(); round++) {
      if (round > maxRounds) {
        throw new AssertionError(
            "clients did not finish within "
                + maxRounds
                + " rounds after healing: "
                + sim.clients
                + "\n"
                + sim.describe());
      }
      sim.tickAll();
      for (int i = 0; i < 20; i++) {
        sim.step++;
        sim.scheduler.advance(microsPerStep);
        sim.clients.step();
        sim.stabilize(1_000);
      }
    }
    sim.tickAll(5);
    if (sim.tickUntil(maxRounds, () -> sim.leader() != null) < 0) {
      throw new AssertionError("no leader after the clients finished\n" + sim.describe());
    }
    SimNode leader = sim.leader();
    ConfState conf = leader.node.confState();
    List<SimNode> members =
        sim.nodes.values().stream()
            .filter(
                n -> conf.getVotersList().contains(n.id) || conf.getLearnersList().contains(n.id))
            .toList();
    sim.clients.checkExactlyOnce(members);
    io.raftjvm.lincheck.CheckResult lin =
        new io.raftjvm.lincheck.LinearizabilityChecker(new io.raftjvm.lincheck.CounterModel())
            .timeLimit(java.time.Duration.ofMinutes(1))
            .check(sim.clients.history);
    if (!lin.linearizable()) throw new AssertionError(lin.explain() + "\n" + sim.describe());
  }

  /** Whether every member of leader's configuration applied the same log up to index. */
  private boolean allApplied(SimNode leader, long index) {
    ConfState conf = leader.node.confState();
    List<io.raftjvm.proto.Entry> reference = null;
    for (SimNode n : sim.nodes.values()) {
      if (!conf.getVotersList().contains(n.id) && !conf.getLearnersList().contains(n.id)) continue;
      if (n.applied.isEmpty() || n.applied.get(n.applied.size() - 1).getIndex() < index)
        return false;
      List<io.raftjvm.proto.Entry> mine = n.applied.subList(0, (int) index);
      if (reference == null) reference = mine;
      else if (!reference.equals(mine))
        throw new AssertionError("applied logs differ\n" + sim.describe());
    }
    return true;
  }
}
