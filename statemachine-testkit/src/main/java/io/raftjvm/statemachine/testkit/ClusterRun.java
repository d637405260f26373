package io.raftjvm.statemachine.testkit;

import com.google.protobuf.ByteString;
import io.raftjvm.core.MemoryStorage;
import io.raftjvm.core.RaftConfig;
import io.raftjvm.core.RaftLogger;
import io.raftjvm.core.RaftNode;
import io.raftjvm.core.Role;
import io.raftjvm.proto.Message;
import io.raftjvm.runtime.MemorySnapshotStore;
import io.raftjvm.runtime.NodeDriver;
import io.raftjvm.runtime.SnapshotPolicy;
import io.raftjvm.runtime.SnapshotStore;
import io.raftjvm.runtime.Transport;
import io.raftjvm.sim.SimScheduler;
import io.raftjvm.statemachine.StateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A state machine inside a simulated three-server Raft cluster: the real runtime (the server's
 * {@code NodeDriver}, log writer and applier) on a seeded scheduler, with virtual time, lost
 * messages, servers cut off for a while, crashes and restarts (the state machine rebuilt from the
 * latest snapshot and the log), and snapshots installed on servers that fell behind. The commands
 * go through the leader one by one; at the end every replica must write the same snapshot and
 * answer every query alike. The same seed gives the same run.
 */
final class ClusterRun {
  private static final long TICK_MS = 10;
  private static final long WAIT_MS = 120_000;

  private final Supplier<StateMachine> factory;
  private final long seed;
  private final SplittableRandom random;
  private final SimScheduler sched;
  private final SimScheduler.Lane net;
  private final long[] ids = {1, 2, 3};
  private final TreeMap<Long, Node> nodes = new TreeMap<>();
  private final Set<Long> isolated = new HashSet<>();
  private int restarts;

  /** What a run went through. */
  record Summary(int commands, int crashes, int cutOffs, int snapshotsSent) {}

  private int crashes;
  private int cutOffs;
  private int snapshotsSent;

  /** One server: its disk (log and snapshots) survives crashes; the rest is rebuilt. */
  private final class Node {
    final long id;
    final RaftConfig config;
    final MemoryStorage disk;
    final MemorySnapshotStore snapshots = new MemorySnapshotStore();
    SimScheduler.NodeLanes lanes;
    StateMachine sm;
    NodeDriver driver;

    Node(long id) {
      this.id = id;
      this.config =
          RaftConfig.builder(id)
              .electionTicks(10)
              .heartbeatTicks(2)
              .random(random.split())
              .logger(RaftLogger.NOP)
              .build();
      this.disk = MemoryStorage.bootstrap(ids);
    }

    void start() {
      lanes = sched.node("node" + id + "-" + restarts++, 0);
      sm = factory.get();
      // Snapshot every 40 entries, keeping 10 behind: a server away longer gets a snapshot.
      driver =
          new NodeDriver(
              id,
              RaftNode.create(config, disk),
              disk,
              sm,
              snapshots,
              new SnapshotPolicy(40, 0, 10, 15 * 60_000),
              lanes,
              TICK_MS,
              RaftLogger.NOP);
      driver.start(transport());
    }

    void crash() {
      lanes.kill();
      driver = null;
      try {
        sm.close();
      } catch (RuntimeException e) {
        // a crashed server does not close cleanly either
      }
    }

    Transport transport() {
      return new Transport() {
        @Override
        public void send(List<Message> messages) {
          for (Message m : messages) route(m);
        }

        @Override
        public void sendSnapshot(Message m, SnapshotStore.Stored s, Consumer<Boolean> done) {
          Node to = nodes.get(m.getTo());
          snapshotsSent++;
          try (InputStream in = s.open()) {
            SnapshotStore.Writer w =
                to.snapshots.begin(s.metadata().getIndex(), s.metadata().getTerm());
            w.out().write(in.readAllBytes());
            w.finishReceived(s.metadata(), s.size(), s.crc32c());
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          route(m);
          done.accept(true);
        }
      };
    }
  }

  ClusterRun(Supplier<StateMachine> factory, long seed) {
    this.factory = factory;
    this.seed = seed;
    this.random = new SplittableRandom(seed);
    this.sched = new SimScheduler(random.split());
    this.net = sched.lane("net");
    for (long id : ids) nodes.put(id, new Node(id));
    for (Node n : nodes.values()) n.start();
  }

  /** The network: 0.1-3 ms per message, 1 % lost; none to or from a server cut off or down. */
  private void route(Message m) {
    if (isolated.contains(m.getFrom()) || isolated.contains(m.getTo())) return;
    if (random.nextInt(100) == 0) return;
    sched.schedule(
        net,
        100 + random.nextInt(2_900),
        () -> {
          Node to = nodes.get(m.getTo());
          if (to.driver != null && !isolated.contains(m.getTo())) to.driver.deliver(List.of(m));
        });
  }

  /** Applies commands through the cluster under faults, then checks the replicas agree. */
  Summary run(List<byte[]> commands, List<byte[]> queries) {
    long isolatedUntil = -1;
    for (int i = 0; i < commands.size(); i++) {
      if (isolatedUntil == i) isolated.clear();
      int fault = random.nextInt(60);
      if (fault == 0 && isolated.isEmpty()) {
        isolated.add(ids[random.nextInt(3)]); // cut off for a while: it falls behind
        cutOffs++;
        isolatedUntil = i + 30L + random.nextInt(60);
      } else if (fault == 1) {
        Node n = nodes.get(ids[random.nextInt(3)]);
        if (n.driver != null) {
          crashes++;
          n.crash();
          n.start(); // restarts from its disk: the latest snapshot, then the log
        }
      }
      propose(commands.get(i));
    }
    isolated.clear();
    Node l = leader();
    runUntil(
        "every replica applied everything",
        () ->
            nodes.values().stream()
                .allMatch(
                    n -> n.driver != null && n.driver.appliedIndex() == l.driver.commitIndex()));
    Node a = nodes.get(1L);
    byte[] expected = StateMachineTestKit.snapshot(a.sm);
    for (Node n : nodes.values()) {
      if (n.sm.lastApplied() != a.sm.lastApplied()) {
        throw failure(
            "server "
                + n.id
                + " applied up to "
                + n.sm.lastApplied()
                + ", server 1 "
                + a.sm.lastApplied());
      }
      for (byte[] q : queries) {
        byte[] x = a.sm.query(q);
        byte[] y = n.sm.query(q);
        if (!Arrays.equals(x, y)) {
          throw failure(
              "server "
                  + n.id
                  + " answers query "
                  + StateMachineTestKit.show(q)
                  + " with "
                  + StateMachineTestKit.show(y)
                  + ", server 1 with "
                  + StateMachineTestKit.show(x));
        }
      }
      if (!Arrays.equals(expected, StateMachineTestKit.snapshot(n.sm))) {
        throw failure("server " + n.id + " writes a different snapshot than server 1");
      }
    }
    return new Summary(commands.size(), crashes, cutOffs, snapshotsSent);
  }

  private void propose(byte[] command) {
    for (int attempt = 0; attempt < 50; attempt++) {
      Node l = leader();
      CompletableFuture<?> f = l.driver.propose(ByteString.copyFrom(command));
      runUntil("an answer to a proposal", f::isDone);
      if (!f.isCompletedExceptionally()) return;
      sched.runUntil(sched.nowMicros() + 50_000); // a new leader may be on its way
    }
    throw failure("a command was refused 50 times");
  }

  private Node leader() {
    Node[] found = new Node[1];
    runUntil(
        "a leader",
        () -> {
          for (Node n : nodes.values()) {
            if (n.driver != null && n.driver.role() == Role.LEADER && !isolated.contains(n.id)) {
              found[0] = n;
            }
          }
          return found[0] != null;
        });
    return found[0];
  }

  private void runUntil(String what, BooleanSupplier done) {
    long limit = sched.nowMicros() + WAIT_MS * 1000;
    while (!done.getAsBoolean()) {
      if (sched.nowMicros() > limit || !sched.step()) {
        throw failure(what + " did not happen within " + WAIT_MS + " ms of simulated time");
      }
    }
  }

  private AssertionError failure(String what) {
    return new AssertionError(
        what + " (cluster run, seed " + seed + ", " + (restarts - 3) + " restarts so far)");
  }
}
