package io.raftjvm.faults.suite;

import static io.raftjvm.lincheck.Operation.Status.OK;
import static io.raftjvm.lincheck.Operation.Status.UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftjvm.faults.nemesis.FaultEvent;
import io.raftjvm.faults.nemesis.FaultKind;
import io.raftjvm.lincheck.Operation;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AvailabilityTest {
  private static final long MS = 1_000_000;

  @Test
  void unavailabilityRunsToTheFirstWriteCalledAfterTheFault() {
    List<Operation> h =
        List.of(
            Operation.add(0, 1, 1, 0, 10 * MS, OK),
            // Called before the fault at 100 ms, acknowledged after it: says nothing of the cluster
            // after.
            Operation.add(1, 1, 2, 90 * MS, 105 * MS, OK),
            Operation.add(2, 1, 0, 101 * MS, 5_000 * MS, UNKNOWN),
            Operation.add(3, 1, 3, 120 * MS, 2_100 * MS, OK),
            Operation.add(4, 1, 4, 2_500 * MS, 2_600 * MS, OK));
    Availability a = new Availability(h);
    assertEquals(2_000, a.millisToNextWrite(100 * MS));
    assertEquals(1_980, a.millisToNextWrite(120 * MS)); // an add called at that very moment counts
    assertEquals(100, a.millisToNextWrite(2_500 * MS));
    // Nothing called after 3 s succeeded: unavailable to the end of the history.
    assertEquals(2_000, a.millisToNextWrite(3_000 * MS));
  }

  @Test
  void worstPerKindFromStartAndFromHealing() {
    List<Operation> h =
        List.of(
            Operation.add(0, 1, 1, 1_000 * MS, 1_500 * MS, OK),
            Operation.add(0, 1, 2, 3_000 * MS, 3_001 * MS, OK));
    Availability a = new Availability(h);
    List<FaultEvent> events =
        List.of(
            new FaultEvent(FaultKind.KILL, "a", 0, 2_000 * MS),
            new FaultEvent(FaultKind.KILL, "b", 500 * MS, 900 * MS),
            new FaultEvent(FaultKind.PAUSE, "c", 2_900 * MS, 2_950 * MS));
    assertEquals(Map.of(FaultKind.KILL, 1_500L, FaultKind.PAUSE, 101L), a.worstAfterStart(events));
    assertEquals(Map.of(FaultKind.KILL, 1_001L, FaultKind.PAUSE, 51L), a.worstAfterHeal(events));
  }
}
