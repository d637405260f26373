package io.raftjvm.counter.tools;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.ClientException;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.server.TestClusters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader whose process is frozen (SIGSTOP) keeps its connections open and answers nothing. Its
 * clients must move to the leader the others elect, while it is still frozen: each attempt waits an
 * attempt timeout, not the request deadline, and the silent server is passed over. Three server
 * processes with the default timing (100 ms ticks, elections after 1-2 s), sixteen adds
 * outstanding; the leader stays stopped until a hundred adds were acknowledged after it stopped, or
 * the wait runs out. Then every replica must agree on a value covering every acknowledged add.
 */
@Tag("integration")
class FrozenLeaderIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int OUTSTANDING = 16;

  @TempDir Path tmp;
  private int[] ports;
  private final Map<Long, Process> processes = new TreeMap<>();
  private final AtomicBoolean stopping = new AtomicBoolean();

  @AfterEach
  void stop() throws Exception {
    stopping.set(true);
    for (Process p : processes.values()) {
      TestClusters.signal(p, "CONT");
      p.destroy();
    }
    for (Process p : processes.values()) p.waitFor(20, TimeUnit.SECONDS);
  }

  private String client(long id) {
    return "127.0.0.1:" + ports[3 + (int) id - 1];
  }

  private void start(long id) throws Exception {
    Path conf = tmp.resolve("node" + id + ".conf");
    Files.writeString(
        conf,
        TestClusters.peers(ports)
            + "raft.cluster-id = frozen-it\nraft.node-id = "
            + id
            + "\nraft.data-dir = "
            + TestClusters.quoted(tmp.resolve("node" + id))
            + "\nraft.state-machine = counter\n"
            + "raft.plugins-dir = "
            + TestClusters.quoted(tmp.resolve("no-plugins"))
            + "\n");
    processes.put(id, TestClusters.serverProcess(conf, tmp.resolve("node" + id + ".out")));
  }

  private long leader() {
    Map<Long, String> clients = new TreeMap<>();
    for (long id : processes.keySet()) clients.put(id, client(id));
    return TestClusters.leader(clients);
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    TestClusters.await(what, WAIT, condition);
  }

  /** The adds of one client: OUTSTANDING in flight, each completion sending the next. */
  private final class Load {
    final RaftClient client;
    final LongAdder ok = new LongAdder();
    final LongAdder unknown = new LongAdder();
    final LongAdder inFlight = new LongAdder();

    /** Acknowledged adds completed after {@link #frozenAt} (System.nanoTime; 0: not frozen yet). */
    final LongAdder okWhileFrozen = new LongAdder();

    final AtomicLong firstOkAfterFreeze = new AtomicLong();
    volatile long frozenAt;

    Load(RaftClient client) {
      this.client = client;
    }

    void issue() {
      if (stopping.get()) return;
      inFlight.increment();
      client
          .propose(CounterWire.add(1))
          .whenComplete(
              (r, t) -> {
                long now = System.nanoTime();
                if (t == null) {
                  ok.increment();
                  if (frozenAt != 0 && now > frozenAt) {
                    okWhileFrozen.increment();
                    firstOkAfterFreeze.compareAndSet(0, now);
                  }
                } else if (t instanceof ClientException e && e.outcomeUnknown()) {
                  unknown.increment();
                }
                inFlight.decrement();
                issue();
              });
    }
  }

  @Test
  void clientsMoveToTheNewLeaderWhileTheOldOneIsFrozen() throws Exception {
    ports = TestClusters.freePorts(6);
    for (long id = 1; id <= 3; id++) start(id);
    await("a leader", () -> leader() != 0);
    List<String> all = new ArrayList<>();
    for (long id = 1; id <= 3; id++) all.add(client(id));
    try (RaftClient client = RaftClient.create(RaftClientOptions.builder(all).build())) {
      long start = CounterWire.value(client.querySync(CounterWire.get()));
      Load load = new Load(client);
      for (int i = 0; i < OUTSTANDING; i++) load.issue();
      await("adds acknowledged", () -> load.ok.sum() >= 200);
      long frozen = leader();
      assertTrue(frozen != 0, "a leader under load");
      Process p = processes.get(frozen);
      load.frozenAt = System.nanoTime();
      TestClusters.signal(p, "STOP");
      try {
        await(
            "adds acknowledged by another leader while node " + frozen + " is stopped",
            () -> load.okWhileFrozen.sum() >= 100);
      } finally {
        TestClusters.signal(p, "CONT");
      }
      System.out.printf(
          "FrozenLeaderIT: the first add acknowledged %d ms after the leader froze%n",
          TimeUnit.NANOSECONDS.toMillis(load.firstOkAfterFreeze.get() - load.frozenAt));
      stopping.set(true);
      await("every add answered", () -> load.inFlight.sum() == 0);
      long ok = load.ok.sum();
      long unknown = load.unknown.sum();
      List<ReplicaClient> replicas = new ArrayList<>();
      try {
        for (long id = 1; id <= 3; id++)
          replicas.add(new ReplicaClient(client(id), Duration.ofSeconds(10)));
        await(
            "every replica at one value covering every acknowledged add",
            () -> {
              try {
                long v = replicas.get(0).value();
                for (ReplicaClient r : replicas) {
                  if (r.value() != v) return false;
                }
                return v >= start + ok && v <= start + ok + unknown;
              } catch (Exception e) {
                return false;
              }
            });
      } finally {
        for (ReplicaClient r : replicas) r.close();
      }
    }
  }
}
