package ${package};

import io.raftjvm.statemachine.testkit.StateMachineTestKit;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The state machine checked the way the cluster will use it. */
class KvStateMachineTest {
  private final StateMachineTestKit kit = StateMachineTestKit.of(new KvProvider());

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<byte[]> commands(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      int key = r.nextInt(50);
      out.add(bytes(r.nextInt(4) == 0 ? "del k" + key : "put k" + key + " v" + i));
    }
    return out;
  }

  private static List<byte[]> queries() {
    List<byte[]> out = new ArrayList<>();
    for (int key = 0; key < 50; key++) out.add(bytes("get k" + key));
    return out;
  }

  @Test
  void putAndDeleteReturnThePreviousValue() {
    kit.assertApplies(
        List.of(bytes("put a 1"), bytes("put a 2"), bytes("del a"), bytes("nonsense")),
        List.of(bytes(""), bytes("1"), bytes("2"), bytes("?")));
  }

  @Test
  void aRestoredSnapshotHasTheSameState() {
    kit.assertSnapshotRoundTrip(commands(1), queries());
  }

  @Test
  void replicasNeverDiverge() {
    for (long seed = 1; seed <= 5; seed++) kit.assertDeterministic(commands(seed), queries(), seed);
  }

  /** Three simulated servers with lost messages, crashes, restarts and snapshot installs. */
  @Test
  void replicasConvergeInASimulatedCluster() {
    for (long seed = 1; seed <= 3; seed++) {
      kit.assertReplicasConvergeInACluster(commands(seed), queries(), seed);
    }
  }
}
