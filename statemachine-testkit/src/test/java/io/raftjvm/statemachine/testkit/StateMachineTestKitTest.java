package io.raftjvm.statemachine.testkit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The test kit passes a correct state machine and catches each planted mistake. */
class StateMachineTestKitTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A seeded mix of puts and deletes over 40 keys. */
  private static List<byte[]> commands(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = r.nextInt(40);
      out.add(b(r.nextInt(5) == 0 ? "del k" + k : "put k" + k + " v" + i));
    }
    return out;
  }

  private static List<byte[]> queries() {
    List<byte[]> out = new ArrayList<>();
    for (int k = 0; k < 40; k++) out.add(b("get k" + k));
    return out;
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 42})
  void aCorrectStateMachinePasses(long seed) {
    StateMachineTestKit kit = StateMachineTestKit.of(KvStateMachine::new);
    kit.assertApplies(
        List.of(b("put a 1"), b("put a 2"), b("del a"), b("del a")),
        List.of(b(""), b("1"), b("2"), b("")));
    kit.assertSnapshotRoundTrip(commands(300, seed), queries());
    kit.assertDeterministic(commands(500, seed), queries(), seed);
  }

  @Test
  void aWrongResultIsNamed() {
    StateMachineTestKit kit = StateMachineTestKit.of(KvStateMachine::new);
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () -> kit.assertApplies(List.of(b("put a 1"), b("put a 2")), List.of(b(""), b("9"))));
    assertTrue(e.getMessage().contains("command 2 returned \"1\", expected \"9\""), e.getMessage());
  }

  /**
   * Keys with identity hash codes in a HashMap: each replica iterates (and snapshots) its own
   * order.
   */
  @Test
  void iteratingAHashMapOfIdentityHashedObjectsIsCaught() {
    StateMachineTestKit kit = StateMachineTestKit.of(StateMachineTestKitTest::identityKeyed);
    AssertionError e =
        assertThrows(
            AssertionError.class, () -> kit.assertDeterministic(commands(500, 7), queries(), 7));
    assertTrue(e.getMessage().contains("different snapshots"), e.getMessage());
  }

  /** A result that reads the clock differs between replicas. */
  @Test
  void readingTheWallClockIsCaught() {
    StateMachineTestKit kit =
        StateMachineTestKit.of(
            () ->
                new KvStateMachine() {
                  @Override
                  String result(String previous) {
                    return super.result(previous) + "@" + System.nanoTime();
                  }
                });
    AssertionError e =
        assertThrows(
            AssertionError.class, () -> kit.assertDeterministic(commands(50, 3), queries(), 3));
    assertTrue(e.getMessage().contains("returned different results"), e.getMessage());
  }

  /** State that the snapshot leaves out: a restored replica answers differently. */
  @Test
  void stateLeftOutOfTheSnapshotIsCaught() {
    StateMachineTestKit kit =
        StateMachineTestKit.of(
            () ->
                new KvStateMachine() {
                  @Override
                  public void snapshot(java.io.OutputStream out) throws java.io.IOException {
                    var saved = map;
                    map = new java.util.TreeMap<>(); // forgets the data, keeps lastApplied
                    try {
                      super.snapshot(out);
                    } finally {
                      map = saved;
                    }
                  }
                });
    AssertionError e =
        assertThrows(
            AssertionError.class, () -> kit.assertSnapshotRoundTrip(commands(100, 5), queries()));
    assertTrue(e.getMessage().contains("the restored instance answers query"), e.getMessage());
  }

  @Test
  void applyMustReturnOneResultPerEntryAndAdvanceLastApplied() {
    StateMachineTestKit kit =
        StateMachineTestKit.of(
            () ->
                new KvStateMachine() {
                  @Override
                  public List<byte[]> apply(List<io.raftjvm.statemachine.CommittedEntry> entries) {
                    super.apply(entries);
                    return List.of();
                  }
                });
    AssertionError e =
        assertThrows(
            AssertionError.class, () -> kit.apply(kit.newInstance(), List.of(b("put a 1"))));
    assertTrue(e.getMessage().contains("one result per entry"), e.getMessage());
  }

  /**
   * Reading a TreeMap entry after removing it: the map may have reused the entry for its successor,
   * depending on the tree's shape, which differs between a replica that inserted in log order and
   * one restored in key order.
   */
  @Test
  void readingAnEntryAfterRemovingItIsCaught() {
    StateMachineTestKit kit =
        StateMachineTestKit.of(
            () ->
                new KvStateMachine() {
                  @Override
                  String remove(String k) {
                    for (var it = map.entrySet().iterator(); it.hasNext(); ) {
                      var e = it.next();
                      if (e.getKey().toString().equals(k)) {
                        it.remove();
                        return e.getValue(); // the mistake
                      }
                    }
                    return null;
                  }
                });
    AssertionError e =
        assertThrows(
            AssertionError.class, () -> kit.assertDeterministic(commands(500, 1), queries(), 1));
    assertTrue(e.getMessage().contains("returned different results"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2})
  void aCorrectStateMachineConvergesInASimulatedCluster(long seed) {
    StateMachineTestKit.of(KvStateMachine::new)
        .assertReplicasConvergeInACluster(commands(300, seed), queries(), seed);
  }

  /** The runs do go through crashes, cut-offs and snapshot installs (over a few seeds). */
  @Test
  void theClusterRunsHaveFaults() {
    int crashes = 0;
    int cutOffs = 0;
    int snapshots = 0;
    for (long seed = 1; seed <= 4; seed++) {
      ClusterRun.Summary s =
          new ClusterRun(KvStateMachine::new, seed).run(commands(300, seed), queries());
      crashes += s.crashes();
      cutOffs += s.cutOffs();
      snapshots += s.snapshotsSent();
    }
    assertTrue(
        crashes > 0 && cutOffs > 0 && snapshots > 0, crashes + " " + cutOffs + " " + snapshots);
  }

  /** Each server's HashMap of identity-hashed keys snapshots in its own order. */
  @Test
  void identityHashOrderIsCaughtInTheCluster() {
    StateMachineTestKit kit = StateMachineTestKit.of(StateMachineTestKitTest::identityKeyed);
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () -> kit.assertReplicasConvergeInACluster(commands(200, 4), queries(), 4));
    assertTrue(e.getMessage().contains("writes a different snapshot"), e.getMessage());
  }

  /** The wall clock written into the state: each server stores its own time. */
  @Test
  void theWallClockInTheStateIsCaughtInTheCluster() {
    StateMachineTestKit kit =
        StateMachineTestKit.of(
            () ->
                new KvStateMachine() {
                  @Override
                  public List<byte[]> apply(List<io.raftjvm.statemachine.CommittedEntry> entries) {
                    List<byte[]> out = super.apply(entries);
                    map.put("clock", Long.toString(System.nanoTime()));
                    return out;
                  }
                });
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () -> kit.assertReplicasConvergeInACluster(commands(100, 5), queries(), 5));
    assertTrue(e.getMessage().contains("cluster run, seed 5"), e.getMessage());
  }

  /**
   * The planted mistake: keys with identity hash codes in a HashMap (each replica its own order).
   */
  private static KvStateMachine identityKeyed() {
    KvStateMachine sm =
        new KvStateMachine() {
          @Override
          Object key(String k) {
            return new Object() {
              @Override
              public String toString() {
                return k;
              }
            };
          }
        };
    sm.map = new HashMap<>();
    return sm;
  }
}
