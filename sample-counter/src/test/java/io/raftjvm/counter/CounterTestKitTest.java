package io.raftjvm.counter;

import io.raftjvm.statemachine.testkit.StateMachineTestKit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The counter under the state machine test kit, as a plugin author would check their own. */
class CounterTestKitTest {
  private final StateMachineTestKit kit = StateMachineTestKit.of(new CounterProvider());

  private static List<byte[]> adds(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      // Mostly adds, some malformed commands (refused with a result, never thrown).
      out.add(r.nextInt(20) == 0 ? new byte[] {42} : CounterCommands.add(r.nextInt(1000) - 500));
    }
    return out;
  }

  @Test
  void appliesDeterministicallyAndSnapshotsItsWholeState() {
    List<byte[]> queries = List.of(CounterCommands.get());
    for (long seed = 1; seed <= 5; seed++) {
      kit.assertSnapshotRoundTrip(adds(seed), queries);
      kit.assertDeterministic(adds(seed), queries, seed);
    }
  }

  @Test
  void convergesInASimulatedCluster() {
    for (long seed = 1; seed <= 3; seed++) {
      kit.assertReplicasConvergeInACluster(adds(seed), List.of(CounterCommands.get()), seed);
    }
  }
}
