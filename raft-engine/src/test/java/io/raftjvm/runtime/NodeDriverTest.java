package io.raftjvm.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.core.MemoryStorage;
import io.raftjvm.core.NotLeaderException;
import io.raftjvm.core.RaftConfig;
import io.raftjvm.core.RaftLogger;
import io.raftjvm.core.RaftNode;
import io.raftjvm.core.Role;
import io.raftjvm.proto.Message;
import io.raftjvm.sim.SimScheduler;
import io.raftjvm.statemachine.testing.RecordingStateMachine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Three drivers, each with its loop, log writer and applier on lanes of a seeded {@link
 * SimScheduler} (virtual time, every interleaving replayable), talking through an in-memory network
 * with latency: elections, proposals from many clients, results routed back, reads, leadership
 * transfer, a leader crashing or cut off. No threads, no sleeps.
 */
@DisplayName(
    "NodeDriver: the core on its loop with writer and applier, on the simulation's scheduler")
class NodeDriverTest {
  /** Virtual time any wait may take, in milliseconds. */
  private static final long WAIT_MS = 60_000;

  private final SimScheduler sched = new SimScheduler(new SplittableRandom(42));
  private final SimScheduler.Lane net = sched.lane("net");
  private final Map<Long, NodeDriver> drivers = new TreeMap<>();
  private final Map<Long, SimScheduler.NodeLanes> lanes = new TreeMap<>();
  private final Map<Long, RecordingStateMachine> machines = new TreeMap<>();

  /** Nodes cut off from every peer: messages from or to them are lost. */
  private final Set<Long> isolated = new HashSet<>();

  private void startCluster(long... ids) {
    for (long id : ids) {
      MemoryStorage storage = MemoryStorage.bootstrap(ids);
      RaftConfig cfg =
          RaftConfig.builder(id)
              .electionTicks(10)
              .heartbeatTicks(2)
              .random(new SplittableRandom(id))
              .build();
      // Answers each command upper-cased.
      RecordingStateMachine sm =
          new RecordingStateMachine(
              e ->
                  RecordingStateMachine.text(e)
                      .toUpperCase(Locale.ROOT)
                      .getBytes(StandardCharsets.UTF_8),
              null);
      SimScheduler.NodeLanes l = sched.node("node" + id, 0);
      lanes.put(id, l);
      machines.put(id, sm);
      drivers.put(
          id,
          new NodeDriver(id, RaftNode.create(cfg, storage), storage, sm, l, 10, RaftLogger.NOP));
    }
    for (NodeDriver d : drivers.values()) d.start(this::route);
  }

  /** The network: 0.1-2 ms per message; messages to a crashed or isolated node are lost. */
  private void route(List<Message> messages) {
    for (Message m : messages) {
      if (isolated.contains(m.getFrom()) || isolated.contains(m.getTo())) continue;
      sched.schedule(
          net,
          100 + (m.getTo() * 37 + m.getIndex()) % 1_900,
          () -> {
            NodeDriver d = drivers.get(m.getTo());
            if (d != null && !isolated.contains(m.getTo())) d.deliver(List.of(m));
          });
    }
  }

  /** Runs the scheduler until done holds; fails after WAIT_MS of virtual time. */
  private void runUntil(String what, BooleanSupplier done) {
    long limit = sched.nowMicros() + WAIT_MS * 1000;
    while (!done.getAsBoolean()) {
      if (sched.nowMicros() > limit || !sched.step())
        throw new AssertionError(what + " not within " + WAIT_MS + " ms");
    }
  }

  private <T> T await(CompletableFuture<T> f) {
    runUntil("an answer", f::isDone);
    return f.join();
  }

  private Throwable failureOf(CompletableFuture<?> f) {
    runUntil("an answer", f::isDone);
    return f.handle((v, t) -> t).join();
  }

  private NodeDriver awaitLeader() {
    NodeDriver[] found = new NodeDriver[1];
    runUntil(
        "a leader",
        () -> {
          for (NodeDriver d : drivers.values()) {
            if (d.role() == Role.LEADER) found[0] = d;
          }
          return found[0] != null;
        });
    return found[0];
  }

  /** The node crashes: its loop, writer and applier stop between any two of their steps. */
  private void crash(NodeDriver d) {
    drivers.remove(d.id());
    lanes.get(d.id()).kill();
  }

  @Test
  void proposalsFromManyClientsAreAppliedEverywhereInOneOrder() {
    startCluster(1, 2, 3);
    NodeDriver leader = awaitLeader();
    List<CompletableFuture<Proposal>> futures = new ArrayList<>();
    for (int c = 0; c < 4; c++) {
      int client = c;
      SimScheduler.Lane lane = sched.lane("client" + c);
      for (int i = 0; i < 250; i++) {
        int n = i;
        lane.execute(
            () -> futures.add(leader.propose(ByteString.copyFromUtf8("c" + client + "-" + n))));
      }
    }
    runUntil(
        "1000 proposals",
        () -> futures.size() == 1000 && futures.stream().allMatch(CompletableFuture::isDone));
    for (CompletableFuture<Proposal> f : futures) assertTrue(f.join().index() > 0);
    assertTrue(
        new String(futures.get(0).join().result(), StandardCharsets.UTF_8).startsWith("C"),
        "the result is the state machine's");
    runUntil(
        "every replica applied 1000",
        () -> machines.values().stream().allMatch(m -> m.applied.size() == 1000));
    List<String> reference = machines.get(1L).applied;
    for (RecordingStateMachine m : machines.values()) assertEquals(reference, m.applied);
  }

  @Test
  void aFollowerRefusesProposalsNamingTheLeader() {
    startCluster(1, 2, 3);
    NodeDriver leader = awaitLeader();
    await(leader.propose(ByteString.copyFromUtf8("x")));
    NodeDriver follower =
        drivers.values().stream().filter(d -> d != leader).findFirst().orElseThrow();
    runUntil("the follower knows the leader", () -> follower.leader() == leader.id());
    Throwable cause = failureOf(follower.propose(ByteString.copyFromUtf8("y")));
    assertTrue(cause instanceof NotLeaderException, String.valueOf(cause));
    assertEquals(leader.id(), ((NotLeaderException) cause).leaderHint());
  }

  /**
   * A node whose loop was shut down fails proposals and reads at once as UNAVAILABLE, the second of
   * each too (the batch that took the first must not leave later ones waiting forever).
   */
  @Test
  void proposalsAndReadsFailAtOnceWhenTheLoopIsShutDown() {
    java.util.concurrent.ScheduledExecutorService dead =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    dead.shutdown();
    MemoryStorage storage = MemoryStorage.bootstrap(new long[] {1});
    RaftConfig cfg =
        RaftConfig.builder(1)
            .electionTicks(10)
            .heartbeatTicks(2)
            .random(new SplittableRandom(1))
            .build();
    try (NodeDriver d =
        new NodeDriver(
            1,
            RaftNode.create(cfg, storage),
            storage,
            new RecordingStateMachine(e -> new byte[0], null),
            NodeRuntime.threads(dead, () -> false),
            10,
            RaftLogger.NOP)) {
      for (int i = 0; i < 2; i++) {
        Throwable proposed = failureOf(d.propose(ByteString.copyFromUtf8("x" + i)));
        assertEquals(
            ProposalFailedException.Kind.UNAVAILABLE,
            ((ProposalFailedException) proposed).kind(),
            String.valueOf(proposed));
        Throwable read = failureOf(d.read(new byte[0]));
        assertTrue(read instanceof ProposalFailedException, String.valueOf(read));
      }
    }
  }

  /**
   * Proposals that arrive together reach the loop as one batch: on the leader they take consecutive
   * indexes in arrival order; on a follower every one of them is refused.
   */
  @Test
  void proposalsArrivingTogetherAreAppendedInOrderOrRefusedTogether() {
    startCluster(1, 2, 3);
    NodeDriver leader = awaitLeader();
    await(leader.propose(ByteString.copyFromUtf8("x")));
    List<CompletableFuture<Proposal>> together = new ArrayList<>();
    for (int i = 0; i < 5; i++) together.add(leader.propose(ByteString.copyFromUtf8("t" + i)));
    runUntil("5 proposals", () -> together.stream().allMatch(CompletableFuture::isDone));
    for (int i = 1; i < 5; i++) {
      assertEquals(together.get(0).join().index() + i, together.get(i).join().index());
    }
    NodeDriver follower =
        drivers.values().stream().filter(d -> d != leader).findFirst().orElseThrow();
    runUntil("the follower knows the leader", () -> follower.leader() == leader.id());
    List<CompletableFuture<Proposal>> refused = new ArrayList<>();
    for (int i = 0; i < 5; i++) refused.add(follower.propose(ByteString.copyFromUtf8("r" + i)));
    for (CompletableFuture<Proposal> f : refused) {
      assertTrue(failureOf(f) instanceof NotLeaderException, String.valueOf(failureOf(f)));
    }
  }

  /**
   * Thesis §6.4: a read on the leader or on a follower, asked after a write was acknowledged, sees
   * that write (the query answers how many commands the replica applied).
   */
  @Test
  void readsOnLeaderAndFollowersSeeEveryAcknowledgedWrite() {
    startCluster(1, 2, 3);
    NodeDriver leader = awaitLeader();
    for (int i = 1; i <= 50; i++) {
      await(leader.propose(ByteString.copyFromUtf8("w" + i)));
      for (NodeDriver d : drivers.values()) {
        byte[] seen = readWhenALeaderIsKnown(d);
        assertTrue(
            Integer.parseInt(new String(seen, StandardCharsets.UTF_8)) >= i,
            "node "
                + d.id()
                + " read "
                + new String(seen, StandardCharsets.UTF_8)
                + " after write "
                + i);
      }
    }
  }

  /**
   * A follower that has not heard of the leader yet refuses (NotLeader); the client would retry.
   */
  private byte[] readWhenALeaderIsKnown(NodeDriver d) {
    for (int attempt = 0; ; attempt++) {
      CompletableFuture<byte[]> f = d.read(new byte[0]);
      runUntil("an answer", f::isDone);
      if (!f.isCompletedExceptionally()) return f.join();
      if (attempt > 100) return f.join(); // throws the failure
      sched.runUntil(sched.nowMicros() + 5_000); // retry pacing, in virtual time
    }
  }

  @Test
  void leadershipIsHandedToTheChosenNode() {
    startCluster(1, 2, 3);
    NodeDriver old = awaitLeader();
    await(old.propose(ByteString.copyFromUtf8("before")));
    long target = old.id() == 3 ? 2 : 3;
    await(old.transferLeadership(target));
    runUntil("node " + target + " leads", () -> drivers.get(target).role() == Role.LEADER);
    Proposal p = await(drivers.get(target).propose(ByteString.copyFromUtf8("after")));
    assertEquals("AFTER", new String(p.result(), StandardCharsets.UTF_8));
  }

  /**
   * SPI version 1 events reach the state machine on the apply thread in order with apply: opened
   * and the configuration first, the leader change after the entries committed before it.
   */
  @Test
  void theStateMachineHearsOfLeadersAndConfigurationInOrderWithApply() {
    startCluster(1, 2, 3);
    NodeDriver old = awaitLeader();
    long target = old.id() == 1 ? 2 : 1;
    await(old.propose(ByteString.copyFromUtf8("a")));
    await(old.transferLeadership(target));
    runUntil("node " + target + " leads", () -> drivers.get(target).role() == Role.LEADER);
    await(drivers.get(target).propose(ByteString.copyFromUtf8("b")));
    runUntil("b applied on " + old.id(), () -> machines.get(old.id()).applied.contains("b"));
    List<String> j = machines.get(old.id()).journal;
    assertEquals("opened 0", j.get(0), j.toString());
    assertEquals("configuration voters [1, 2, 3] learners []", j.get(1), j.toString());
    int led = j.indexOf("leader " + old.id() + " (this node) in term 1");
    int a = j.indexOf("apply a");
    int b = j.indexOf("apply b");
    int followed = -1;
    for (int i = 0; i < j.size(); i++) {
      if (j.get(i).startsWith("leader " + target + " in term")) followed = i;
    }
    assertTrue(led > 1 && led < a && a < followed && followed < b, j.toString());
  }

  @Test
  void aNewLeaderTakesOverWhenTheLeaderCrashes() {
    startCluster(1, 2, 3);
    NodeDriver old = awaitLeader();
    await(old.propose(ByteString.copyFromUtf8("before")));
    crash(old);
    NodeDriver next = awaitLeader();
    assertNotEquals(old.id(), next.id());
    Proposal p = await(next.propose(ByteString.copyFromUtf8("after")));
    assertEquals("AFTER", new String(p.result(), StandardCharsets.UTF_8));
    assertTrue(next.term() > 1);
  }

  /**
   * Thesis §6.2 (CheckQuorum): a leader cut off from its peers steps down, and then answers its
   * uncommitted proposals at once (LEADERSHIP_LOST, outcome unknown) instead of leaving them
   * waiting for a commit index it may never learn: their clients retry elsewhere.
   */
  @Test
  void aLeaderCutOffFromItsPeersFailsItsUncommittedProposalsWhenItStepsDown() {
    startCluster(1, 2, 3);
    NodeDriver old = awaitLeader();
    await(old.propose(ByteString.copyFromUtf8("before")));
    isolated.add(old.id());
    Throwable cause = failureOf(old.propose(ByteString.copyFromUtf8("stranded")));
    assertTrue(cause instanceof ProposalFailedException, String.valueOf(cause));
    assertEquals(
        ProposalFailedException.Kind.LEADERSHIP_LOST, ((ProposalFailedException) cause).kind());
    assertTrue(
        cause.getMessage().contains("lost leadership before the command committed"),
        cause.getMessage());
    assertNotEquals(Role.LEADER, old.role());
    assertTrue(isolated.contains(old.id()), "still cut off: nothing but the step-down answered it");
  }
}
