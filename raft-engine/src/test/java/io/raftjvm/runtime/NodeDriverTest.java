package io.raftjvm.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.core.MemoryStorage;
import io.raftjvm.core.RaftConfig;
import io.raftjvm.core.RaftLogger;
import io.raftjvm.core.RaftNode;
import io.raftjvm.core.Role;
import io.raftjvm.proto.Message;
import io.raftjvm.statemachine.CommittedEntry;
import io.raftjvm.statemachine.StateMachine;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Three drivers, each on its own loop thread, with real writer and apply threads, talking through
 * an in-memory transport: elections, proposals from many threads, results routed back, and a
 * leader stopping. Waits on conditions, never fixed sleeps.
 */
@DisplayName("NodeDriver: the core on a loop thread with writer and apply threads")
class NodeDriverTest {
  private static final long WAIT_MS = 30_000;
  private final Map<Long, NodeDriver> drivers = new ConcurrentHashMap<>();
  private final Map<Long, ScheduledExecutorService> loops = new TreeMap<>();
  private final Map<Long, ListStateMachine> machines = new TreeMap<>();

  /** Remembers every command applied; returns the command upper-cased. */
  static final class ListStateMachine implements StateMachine {
    final List<String> applied = new CopyOnWriteArrayList<>();
    volatile long last;

    @Override
    public List<byte[]> apply(List<CommittedEntry> entries) {
      List<byte[]> out = new ArrayList<>();
      for (CommittedEntry e : entries) {
        String s = new String(e.data(), StandardCharsets.UTF_8);
        applied.add(s);
        out.add(s.toUpperCase().getBytes(StandardCharsets.UTF_8));
        last = e.index();
      }
      return out;
    }

    @Override
    public byte[] query(byte[] query) {
      return String.valueOf(applied.size()).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public long lastApplied() {
      return last;
    }

    @Override
    public void snapshot(OutputStream out) {}

    @Override
    public void restore(InputStream in) {}
  }

  private void startCluster(long... ids) {
    for (long id : ids) {
      Thread[] loopThread = new Thread[1];
      ThreadFactory tf = r -> {
        Thread t = new Thread(r, "loop-" + id);
        t.setDaemon(true);
        loopThread[0] = t;
        return t;
      };
      ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(tf);
      loop.submit(() -> { }); // creates the thread
      BooleanSupplier inLoop = () -> Thread.currentThread() == loopThread[0];
      MemoryStorage storage = MemoryStorage.bootstrap(ids);
      RaftConfig cfg = RaftConfig.builder(id).electionTicks(10).heartbeatTicks(2)
          .random(new SplittableRandom(id)).build();
      ListStateMachine sm = new ListStateMachine();
      NodeDriver d = new NodeDriver(id, RaftNode.create(cfg, storage), storage, sm, NodeRuntime.threads(loop, inLoop),
          10, RaftLogger.NOP);
      loops.put(id, loop);
      machines.put(id, sm);
      drivers.put(id, d);
    }
    for (NodeDriver d : drivers.values()) d.start(this::route);
  }

  /** Nodes cut off from every peer: messages from or to them are lost. */
  private final Set<Long> isolated = ConcurrentHashMap.newKeySet();

  /** The in-memory network: messages to a stopped or isolated node are lost. */
  private void route(List<Message> messages) {
    Map<Long, List<Message>> byPeer = new TreeMap<>();
    for (Message m : messages) {
      if (isolated.contains(m.getFrom()) || isolated.contains(m.getTo())) continue;
      byPeer.computeIfAbsent(m.getTo(), k -> new ArrayList<>()).add(m);
    }
    byPeer.forEach((to, ms) -> {
      NodeDriver d = drivers.get(to);
      if (d != null) d.deliver(ms);
    });
  }

  private NodeDriver awaitLeader() throws InterruptedException {
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (System.currentTimeMillis() < deadline) {
      for (NodeDriver d : drivers.values()) {
        if (d.role() == Role.LEADER) return d;
      }
      Thread.sleep(5);
    }
    throw new AssertionError("no leader within " + WAIT_MS + " ms");
  }

  @AfterEach
  void stop() {
    for (NodeDriver d : drivers.values()) d.close();
    for (ScheduledExecutorService l : loops.values()) l.shutdownNow();
  }

  @Test
  void proposalsFromManyThreadsAreAppliedEverywhereInOneOrder() throws Exception {
    startCluster(1, 2, 3);
    NodeDriver leader = awaitLeader();
    List<CompletableFuture<Proposal>> futures = new CopyOnWriteArrayList<>();
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < 4; c++) {
      int client = c;
      Thread t = new Thread(() -> {
        for (int i = 0; i < 250; i++) futures.add(leader.propose(ByteString.copyFromUtf8("c" + client + "-" + i)));
      });
      clients.add(t);
      t.start();
    }
    for (Thread t : clients) t.join();
    for (CompletableFuture<Proposal> f : futures) {
      Proposal p = f.get(WAIT_MS, TimeUnit.MILLISECONDS);
      assertTrue(p.index() > 0);
    }
    assertEquals(1000, futures.size());
    Proposal first = futures.get(0).get();
    assertTrue(new String(first.result(), StandardCharsets.UTF_8).startsWith("C"), "result is the state machine's");
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (machines.values().stream().anyMatch(m -> m.applied.size() < 1000) && System.currentTimeMillis() < deadline) {
      Thread.sleep(5);
    }
    List<String> reference = machines.get(1L).applied;
    assertEquals(1000, reference.size());
    for (ListStateMachine m : machines.values()) assertEquals(reference, m.applied);
  }

  @Test
  void aFollowerRefusesProposalsNamingTheLeader() throws Exception {
    startCluster(1, 2, 3);
    NodeDriver leader = awaitLeader();
    leader.propose(ByteString.copyFromUtf8("x")).get(WAIT_MS, TimeUnit.MILLISECONDS);
    NodeDriver follower = drivers.values().stream().filter(d -> d != leader).findFirst().orElseThrow();
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (follower.leader() != leader.id() && System.currentTimeMillis() < deadline) Thread.sleep(5);
    CompletableFuture<Proposal> f = follower.propose(ByteString.copyFromUtf8("y"));
    Throwable cause = f.handle((p, t) -> t).get(WAIT_MS, TimeUnit.MILLISECONDS);
    assertTrue(cause instanceof io.raftjvm.core.NotLeaderException, String.valueOf(cause));
    assertEquals(leader.id(), ((io.raftjvm.core.NotLeaderException) cause).leaderHint());
  }

  /**
   * Thesis §6.4: a read on the leader or on a follower, asked after a write was acknowledged,
   * sees that write (the query answers how many commands the replica applied).
   */
  @Test
  void readsOnLeaderAndFollowersSeeEveryAcknowledgedWrite() throws Exception {
    startCluster(1, 2, 3);
    NodeDriver leader = awaitLeader();
    for (int i = 1; i <= 50; i++) {
      leader.propose(ByteString.copyFromUtf8("w" + i)).get(WAIT_MS, TimeUnit.MILLISECONDS);
      for (NodeDriver d : drivers.values()) {
        byte[] seen = readWhenALeaderIsKnown(d);
        assertTrue(Integer.parseInt(new String(seen, StandardCharsets.UTF_8)) >= i,
            "node " + d.id() + " read " + new String(seen, StandardCharsets.UTF_8) + " after write " + i);
      }
    }
  }

  /** A follower that has not heard of the leader yet refuses (NotLeader); the client would retry. */
  private static byte[] readWhenALeaderIsKnown(NodeDriver d) throws Exception {
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (true) {
      try {
        return d.read(new byte[0]).get(WAIT_MS, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        if (System.currentTimeMillis() > deadline) throw e;
        Thread.sleep(5); // retry pacing
      }
    }
  }

  @Test
  void leadershipIsHandedToTheChosenNode() throws Exception {
    startCluster(1, 2, 3);
    NodeDriver old = awaitLeader();
    old.propose(ByteString.copyFromUtf8("before")).get(WAIT_MS, TimeUnit.MILLISECONDS);
    long target = old.id() == 3 ? 2 : 3;
    old.transferLeadership(target).get(WAIT_MS, TimeUnit.MILLISECONDS);
    // A transfer is abandoned after an election timeout (100 ms here): on a stalled machine, ask again.
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (drivers.get(target).role() != Role.LEADER && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
      for (NodeDriver d : drivers.values()) {
        if (d.role() == Role.LEADER && d.id() != target) d.transferLeadership(target);
      }
    }
    assertEquals(Role.LEADER, drivers.get(target).role());
    Proposal p = drivers.get(target).propose(ByteString.copyFromUtf8("after")).get(WAIT_MS, TimeUnit.MILLISECONDS);
    assertEquals("AFTER", new String(p.result(), StandardCharsets.UTF_8));
  }

  @Test
  void aNewLeaderTakesOverWhenTheLeaderStops() throws Exception {
    startCluster(1, 2, 3);
    NodeDriver old = awaitLeader();
    old.propose(ByteString.copyFromUtf8("before")).get(WAIT_MS, TimeUnit.MILLISECONDS);
    drivers.remove(old.id());
    old.close();
    NodeDriver next = awaitLeader();
    assertNotEquals(old.id(), next.id());
    Proposal p = next.propose(ByteString.copyFromUtf8("after")).get(WAIT_MS, TimeUnit.MILLISECONDS);
    assertEquals("AFTER", new String(p.result(), StandardCharsets.UTF_8));
    assertTrue(next.term() > 1);
  }

  /**
   * Thesis §6.2 (CheckQuorum): a leader cut off from its peers steps down, and then answers its
   * uncommitted proposals at once (LEADERSHIP_LOST, outcome unknown) instead of leaving them waiting
   * for a commit index it may never learn: their clients retry elsewhere.
   */
  @Test
  void aLeaderCutOffFromItsPeersFailsItsUncommittedProposalsWhenItStepsDown() throws Exception {
    startCluster(1, 2, 3);
    NodeDriver old = awaitLeader();
    old.propose(ByteString.copyFromUtf8("before")).get(WAIT_MS, TimeUnit.MILLISECONDS);
    isolated.add(old.id());
    CompletableFuture<Proposal> stranded = old.propose(ByteString.copyFromUtf8("stranded"));
    Throwable cause = stranded.handle((p, t) -> t).get(WAIT_MS, TimeUnit.MILLISECONDS);
    assertTrue(cause instanceof ProposalFailedException, String.valueOf(cause));
    assertEquals(ProposalFailedException.Kind.LEADERSHIP_LOST, ((ProposalFailedException) cause).kind());
    assertTrue(cause.getMessage().contains("lost leadership before the command committed"), cause.getMessage());
    assertNotEquals(Role.LEADER, old.role());
    assertTrue(isolated.contains(old.id()), "still cut off: nothing but the step-down answered it");
  }
}
