package io.raftjvm.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The checks RollingRestartIT makes of the bench's summary and history, on made-up ones. */
@DisplayName("RollingRestartIT's judgement of a benchmark run")
class BenchResultTest {
  private static final String GOOD =
      """
      {"concurrency":32,"measuredSeconds":60.0,"throughput":{"ops":5000.0},\
      "latencyMicros":{"p50":900.0,"p99":9000.0,"max":2500000.0},"errors":{},\
      "longestStall":{"millis":2400.0},\
      "totals":{"addsOk":300000,"addsFailed":0,"addsUnknown":0,"getsOk":0,"getsFailed":0,\
      "unanswered":0},"verification":{"passed":true},"passed":true}""";

  private static String with(String from, String to) {
    assertTrue(GOOD.contains(from), from);
    return GOOD.replace(from, to);
  }

  @Test
  void aCleanRunHasNoProblem() throws IOException {
    BenchResult r = BenchResult.parse("counter-bench: progress\n" + GOOD + "\n");
    assertEquals(List.of(), r.problems());
    assertTrue(r.describe().contains("5000 ops/s"), r.describe());
  }

  @Test
  void unknownOutcomesAreAllowed() throws IOException {
    BenchResult r =
        BenchResult.parse(
            with("\"addsUnknown\":0", "\"addsUnknown\":3")
                .replace("\"errors\":{}", "\"errors\":{\"TIMEOUT_OUTCOME_UNKNOWN\":3}"));
    assertEquals(List.of(), r.problems());
  }

  @Test
  void aFailedVerificationIsAProblem() throws IOException {
    List<String> p = BenchResult.parse(with("\"passed\":true}", "\"passed\":false}")).problems();
    assertEquals(1, p.size(), p.toString());
    assertTrue(p.get(0).startsWith("verification did not pass"), p.toString());
  }

  @Test
  void aCertainFailureIsAProblem() throws IOException {
    for (String field : List.of("addsFailed", "getsFailed", "unanswered")) {
      List<String> p =
          BenchResult.parse(with("\"" + field + "\":0", "\"" + field + "\":1")).problems();
      assertEquals(List.of(field + " = 1 (errors: {})"), p);
    }
    assertEquals(
        1,
        BenchResult.parse(with("\"addsFailed\":0,", "")).problems().size(),
        "a summary without the field");
  }

  @Test
  void nothingAcknowledgedIsAProblem() throws IOException {
    assertEquals(
        List.of("nothing was acknowledged"),
        BenchResult.parse(with("\"addsOk\":300000", "\"addsOk\":0")).problems());
    assertThrows(IOException.class, () -> BenchResult.parse("counter-bench: crashed\n"));
  }

  @Test
  void theLongestGapIsBetweenSuccessiveAcknowledgements() throws IOException {
    BenchHistory h =
        BenchHistory.parse(
            List.of(
                op(1_000, "ok"),
                op(9_000_000, "ok"),
                op(2_000_000, "ok"),
                op(500_000_000, "timeout"), // not an acknowledgement: the gap runs across it
                op(1_209_000_000, "ok"),
                op(1_210_000_000, "fail"),
                op(1_211_000_000, "ok")));
    assertEquals(5, h.acknowledged());
    assertEquals(1, h.count("timeout"));
    assertEquals(1, h.count("fail"));
    assertEquals(new BenchHistory.Gap(9_000_000, 1_209_000_000), h.longestGap());
    assertEquals(1200, h.longestGap().millis());
    // Gaps by when they ended: the long one in [1.2 s, 1.3 s], though it began long before.
    assertEquals(1200, h.longestGapEndingIn(1_200_000_000, 1_300_000_000).millis());
    assertEquals(
        new BenchHistory.Gap(2_000_000, 9_000_000), h.longestGapEndingIn(3_000_000, 10_000_000));
    assertEquals(BenchHistory.Gap.NONE, h.longestGapEndingIn(10_000_000, 1_000_000_000));
    assertEquals(BenchHistory.Gap.NONE, h.longestGapEndingIn(2_000_000_000L, 3_000_000_000L));
    assertEquals(BenchHistory.Gap.NONE, BenchHistory.parse(List.of(op(5, "ok"))).longestGap());
  }

  private static String op(long complete, String status) {
    return "{\"process\":0,\"op\":\"add\",\"delta\":1,\"invoke\":0,\"complete\":"
        + complete
        + ",\"status\":\""
        + status
        + "\"}";
  }
}
