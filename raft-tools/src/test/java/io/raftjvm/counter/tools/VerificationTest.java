package io.raftjvm.counter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.counter.tools.Verification.Reading;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The end check: start + acked <= every replica == leader <= start + acked + unknown. */
class VerificationTest {
  private static List<Reading> all(long v) {
    return List.of(Reading.of("a:1", v), Reading.of("b:2", v), Reading.of("c:3", v));
  }

  @Test
  void exactWhenNoOutcomeIsUnknown() {
    Verification v = Verification.check(100, 50, 0, 150L, all(150), true);
    assertTrue(v.passed(), v.toText());
    assertEquals(150, v.expectedMin());
    assertEquals(150, v.expectedMax());
    assertEquals(
        "verification: PASSED: every replica (3) = 150, expected 150 = start 100"
            + " + acked adds 50",
        v.toText());
    assertFalse(Verification.check(100, 50, 0, 151L, all(151), true).passed());
    assertFalse(Verification.check(100, 50, 0, 149L, all(149), true).passed());
  }

  @Test
  void unknownAddsMakeARange() {
    for (long value = 150; value <= 153; value++) {
      Verification v = Verification.check(100, 50, 3, value, all(value), true);
      assertTrue(v.passed(), v.toText());
    }
    Verification v = Verification.check(100, 50, 3, 152L, all(152), true);
    assertEquals(
        "verification: PASSED: every replica (3) = 152, expected 150..153 = start 100"
            + " + acked adds 50 (+ up to 3 of unknown outcome)",
        v.toText());
    Verification below = Verification.check(100, 50, 3, 149L, all(149), true);
    assertFalse(below.passed());
    assertTrue(
        below.problems().contains("a:1 has 149, expected 150..153"), below.problems().toString());
    Verification above = Verification.check(100, 50, 3, 154L, all(154), true);
    assertFalse(above.passed());
    assertTrue(above.problems().contains("the leader has 154, expected 150..153"));
  }

  @Test
  void negativeStartIsFine() {
    assertTrue(Verification.check(-10, 10, 0, 0L, all(0), true).passed());
  }

  @Test
  void everyReplicaMustAgreeWithTheLeader() {
    List<Reading> lagging =
        List.of(Reading.of("a:1", 151), Reading.of("b:2", 150), Reading.of("c:3", 151));
    Verification v = Verification.check(100, 50, 3, 151L, lagging, true);
    assertFalse(v.passed());
    assertEquals(List.of("b:2 has 150, the leader 151", "the replicas disagree"), v.problems());
    assertTrue(
        v.toText().startsWith("verification: FAILED: b:2 has 150, the leader 151;"), v.toText());
    assertTrue(v.toText().endsWith("replicas a:1=151 b:2=150 c:3=151]"), v.toText());
  }

  /** A stopped server is not a disagreeing one: reported as not checked, and the others pass. */
  @Test
  void anUnreachedReplicaIsReportedNotHeldAgainstTheCluster() {
    List<Reading> r =
        List.of(
            Reading.of("a:1", 150),
            Reading.failed("b:2", "connection refused"),
            Reading.of("c:3", 150));
    Verification v = Verification.check(100, 50, 0, 150L, r, true);
    assertTrue(v.passed(), v.toText());
    assertEquals(List.of(Reading.failed("b:2", "connection refused")), v.unreached());
    assertEquals(
        "verification: PASSED: every replica reached (2 of 3) = 150, expected 150 = start 100 + acked"
            + " adds 50; not reached, so not checked: b:2 (connection refused)",
        v.toText());
    assertTrue(v.toJsonMap().get("unreached").toString().contains("b:2=connection refused"));
  }

  @Test
  void aReachedReplicaThatDisagreesStillFailsBesideAnUnreachedOne() {
    List<Reading> r =
        List.of(
            Reading.of("a:1", 150),
            Reading.failed("b:2", "connection refused"),
            Reading.of("c:3", 149));
    Verification v = Verification.check(100, 50, 0, 150L, r, true);
    assertFalse(v.passed());
    assertEquals(List.of("c:3 has 149, expected 150", "the replicas disagree"), v.problems());
  }

  @Test
  void noReplicaReachedFails() {
    List<Reading> r = List.of(Reading.failed("a:1", "refused"), Reading.failed("b:2", "refused"));
    Verification v = Verification.check(100, 50, 0, 150L, r, false);
    assertFalse(v.passed());
    assertEquals(List.of("no replica could be read"), v.problems());
  }

  @Test
  void anUnreadableLeaderFails() {
    Verification v = Verification.check(100, 50, 0, null, all(150), false);
    assertFalse(v.passed());
    assertEquals(List.of("the leader's value could not be read"), v.problems());
  }

  @Test
  void valuesThatDidNotSettleFail() {
    Verification v = Verification.check(100, 50, 0, 150L, all(150), false);
    assertFalse(v.passed());
    assertEquals(List.of("the values were still changing when the wait ended"), v.problems());
  }

  @Test
  void noReplicaFails() {
    assertFalse(Verification.check(0, 0, 0, 0L, List.of(), true).passed());
  }

  @Test
  void negativeDeltaSumsAreRefused() {
    assertThrows(
        IllegalArgumentException.class, () -> Verification.check(0, -1, 0, 0L, all(0), true));
    assertThrows(
        IllegalArgumentException.class, () -> Verification.check(0, 0, -1, 0L, all(0), true));
  }

  @Test
  void json() {
    Verification v =
        Verification.check(
            100,
            50,
            3,
            152L,
            List.of(Reading.of("a:1", 152), Reading.failed("b:2", "down")),
            false);
    assertEquals(
        "{\"passed\":false,\"start\":100,\"ackedDelta\":50,\"unknownDelta\":3,"
            + "\"expectedMin\":150,\"expectedMax\":153,\"leader\":152,"
            + "\"replicas\":{\"a:1\":152,\"b:2\":null},\"unreached\":{\"b:2\":\"down\"},\"settled\":false,"
            + "\"problems\":[\"the values were still changing when the wait ended\"]}",
        Json.write(v.toJsonMap()));
  }
}
