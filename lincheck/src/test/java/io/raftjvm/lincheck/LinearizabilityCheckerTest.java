package io.raftjvm.lincheck;

import static io.raftjvm.lincheck.Operation.Status.FAIL;
import static io.raftjvm.lincheck.Operation.Status.OK;
import static io.raftjvm.lincheck.Operation.Status.UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hand-made histories of the counter and the register: each checker rule shown accepting what is
 * linearizable and rejecting what is not. Times are in ms for legibility (the checker only compares
 * them).
 */
class LinearizabilityCheckerTest {
  private static CheckResult counter(Operation... ops) {
    return new LinearizabilityChecker(new CounterModel()).check(List.of(ops));
  }

  private static CheckResult register(Operation... ops) {
    return new LinearizabilityChecker(new RegisterModel()).check(List.of(ops));
  }

  @Test
  void sequentialAddsAndReadsAreLinearizable() {
    CheckResult r =
        counter(
            Operation.add(0, 1, 1, 0, 10, OK),
            Operation.add(0, 1, 2, 20, 30, OK),
            Operation.get(1, 2, 40, 50, OK));
    assertTrue(r.linearizable(), r.explain());
  }

  @Test
  void concurrentAddsMayTakeEffectInEitherOrder() {
    // p1's add returned 1 although it was called first: both overlap, so p0's add went first.
    CheckResult r =
        counter(
            Operation.add(0, 1, 2, 0, 100, OK),
            Operation.add(1, 1, 1, 10, 50, OK),
            Operation.get(2, 1, 20, 60, OK));
    assertTrue(r.linearizable(), r.explain());
  }

  @Test
  void aStaleReadIsRejected() {
    // The add of 1 completed before the read began; the read still saw 0.
    CheckResult r = counter(Operation.add(0, 1, 1, 0, 10, OK), Operation.get(1, 0, 20, 30, OK));
    assertEquals(CheckResult.Verdict.NOT_LINEARIZABLE, r.verdict(), r.explain());
    assertTrue(r.explain().contains("p1 get -> 0 ok"), r.explain());
  }

  @Test
  void aLostAcknowledgedAddIsRejected() {
    // Acknowledged as 2, later the counter reads 1: the second add vanished.
    CheckResult r =
        counter(
            Operation.add(0, 1, 1, 0, 10, OK),
            Operation.add(0, 1, 2, 20, 30, OK),
            Operation.get(1, 1, 40, 50, OK));
    assertFalse(r.linearizable(), r.explain());
  }

  @Test
  void aDuplicatedAddIsRejected() {
    // One add acknowledged, yet the counter moved by two: it was applied twice.
    CheckResult r = counter(Operation.add(0, 1, 1, 0, 10, OK), Operation.get(1, 2, 20, 30, OK));
    assertFalse(r.linearizable(), r.explain());
    // Two adds told the same new value: one of them was not really applied on its own.
    CheckResult same =
        counter(Operation.add(0, 1, 1, 0, 10, OK), Operation.add(1, 1, 1, 0, 10, OK));
    assertFalse(same.linearizable(), same.explain());
  }

  @Test
  void aReadFromTheFutureIsRejected() {
    // The read saw 1 before the only add was even called.
    CheckResult r = counter(Operation.get(1, 1, 0, 10, OK), Operation.add(0, 1, 1, 20, 30, OK));
    assertFalse(r.linearizable(), r.explain());
  }

  @Test
  void aFailedAddThatTookEffectIsRejected() {
    // The client was told its add failed (certainly not applied), yet the counter shows it.
    CheckResult r = counter(Operation.add(0, 1, 0, 0, 10, FAIL), Operation.get(1, 1, 20, 30, OK));
    assertFalse(r.linearizable(), r.explain());
  }

  @Test
  void anUnknownAddMayTakeEffectLongAfterItsClientGaveUp() {
    CheckResult r =
        counter(
            Operation.add(0, 1, 0, 0, 10, UNKNOWN),
            Operation.get(1, 0, 20, 30, OK),
            Operation.get(1, 1, 1_000, 1_010, OK));
    assertTrue(r.linearizable(), r.explain());
  }

  @Test
  void anUnknownAddMayNeverTakeEffect() {
    CheckResult r =
        counter(Operation.add(0, 1, 0, 0, 10, UNKNOWN), Operation.get(1, 0, 20, 30, OK));
    assertTrue(r.linearizable(), r.explain());
  }

  @Test
  void anUnknownAddTakesEffectAfterItsCallOnly() {
    CheckResult r =
        counter(Operation.get(1, 1, 0, 10, OK), Operation.add(0, 1, 0, 20, 30, UNKNOWN));
    assertFalse(r.linearizable(), r.explain());
  }

  @Test
  void manyUnknownAddsCountAsOnePoolOfInterchangeableChoices() {
    // 2,000 unknown adds, then reads that need exactly 1,500 of them: found without trying subsets.
    Operation[] ops = new Operation[2_002];
    for (int i = 0; i < 2_000; i++) ops[i] = Operation.add(i, 1, 0, i, i + 5, UNKNOWN);
    ops[2_000] = Operation.get(9_999, 1_500, 10_000, 10_010, OK);
    ops[2_001] = Operation.get(9_999, 1_500, 10_020, 10_030, OK);
    CheckResult r = counter(ops);
    assertTrue(r.linearizable(), r.explain());
    assertEquals(2_000, r.unknown());
  }

  @Test
  void initialStateCounts() {
    CheckResult r =
        new LinearizabilityChecker(new CounterModel())
            .initial(41)
            .check(List.of(Operation.add(0, 1, 42, 0, 10, OK)));
    assertTrue(r.linearizable(), r.explain());
    assertFalse(counter(Operation.add(0, 1, 42, 0, 10, OK)).linearizable());
  }

  @Test
  void registerPutsCasAndReads() {
    assertTrue(
        register(
                Operation.put(0, 5, 0, 10, OK),
                Operation.cas(1, 5, 7, 20, 30, OK),
                Operation.get(2, 7, 40, 50, OK))
            .linearizable());
    // A cas that expected 5 succeeded although the register held 3.
    assertFalse(
        register(Operation.put(0, 3, 0, 10, OK), Operation.cas(1, 5, 7, 20, 30, OK))
            .linearizable());
    // Two overlapping puts; reads after both must agree on the last one.
    assertFalse(
        register(
                Operation.put(0, 1, 0, 10, OK),
                Operation.put(1, 2, 0, 10, OK),
                Operation.get(2, 1, 20, 30, OK),
                Operation.get(2, 2, 40, 50, OK))
            .linearizable());
    // An unknown put may land between two reads.
    assertTrue(
        register(
                Operation.put(0, 9, 0, 10, UNKNOWN),
                Operation.get(2, 0, 20, 30, OK),
                Operation.get(2, 9, 40, 50, OK))
            .linearizable());
  }

  @Test
  void theViolationNamesItsWindow() {
    CheckResult r =
        counter(
            Operation.add(0, 1, 1, 0, 10, OK),
            Operation.add(0, 1, 2, 20, 30, OK),
            Operation.get(1, 1, 40, 50, OK));
    String first = r.explain().lines().findFirst().orElseThrow();
    assertTrue(first.startsWith("NOT linearizable"), first);
    assertTrue(first.contains("p1 get -> 1 ok"), first);
    assertFalse(r.window().isEmpty());
  }

  @Test
  void aSearchOutOfTimeAnswersUnknownNeverLinearizable() {
    // Many concurrent puts of distinct values and reads that fit no order: a large search space.
    int n = 22;
    Operation[] ops = new Operation[n + 1];
    for (int i = 0; i < n; i++) ops[i] = Operation.put(i, i + 1, 0, 100, OK);
    ops[n] = Operation.get(99, 1_000, 0, 100, OK);
    CheckResult r =
        new LinearizabilityChecker(new RegisterModel())
            .timeLimit(Duration.ofMillis(1))
            .check(List.of(ops));
    assertEquals(CheckResult.Verdict.UNKNOWN, r.verdict(), r.explain());
  }
}
