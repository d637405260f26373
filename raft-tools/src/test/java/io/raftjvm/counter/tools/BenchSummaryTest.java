package io.raftjvm.counter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.counter.tools.Verification.Reading;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The end-of-run summary, as JSON (--json) and as text. */
class BenchSummaryTest {

  private static BenchSummary summary(int reads) {
    BenchSummary s = new BenchSummary();
    s.cluster = List.of("127.0.0.1:7201", "127.0.0.1:7202");
    s.concurrency = 4;
    s.clients = 1;
    s.payload = 16;
    s.readPercent = reads;
    s.warmup = Duration.ofSeconds(2);
    s.duration = Duration.ofSeconds(10);
    s.timeout = Duration.ofSeconds(5);
    s.measuredNanos = 2_000_000_000L;
    s.measuredAdds = 3;
    s.measuredGets = reads > 0 ? 1 : 0;
    s.measuredErrors = 1;
    s.longestStallNanos = 1_934_000_000L;
    s.longestStallEndNanos = 1_500_000_000L;
    s.addLatency = new Histogram(3);
    // 1 ms, 2 ms, 3 ms (exact in HdrHistogram with 3 digits? values are bucketed; pick round ones)
    s.addLatency.recordValue(1_000_000);
    s.addLatency.recordValue(2_000_000);
    s.addLatency.recordValue(3_000_000);
    s.getLatency = new Histogram(3);
    if (reads > 0) {
      s.getLatency.recordValue(500_000);
    }
    Map<String, Long> errors = new TreeMap<>();
    errors.put("TIMEOUT_OUTCOME_UNKNOWN", 1L);
    s.errors = errors;
    s.addsOk = 10;
    s.addsFailed = 0;
    s.addsUnknown = 1;
    s.getsOk = reads > 0 ? 2 : 0;
    s.verification =
        Verification.check(
            5,
            10,
            1,
            16L,
            List.of(Reading.of("127.0.0.1:7201", 16), Reading.of("127.0.0.1:7202", 16)),
            true);
    return s;
  }

  @Test
  void json() {
    BenchSummary s = summary(0);
    long p50 = s.addLatency.getValueAtPercentile(50);
    long max = s.addLatency.getMaxValue();
    String expected =
        "{\"cluster\":[\"127.0.0.1:7201\",\"127.0.0.1:7202\"],\"concurrency\":4,"
            + "\"clients\":1,\"payloadBytes\":16,\"readPercent\":0,\"warmupSeconds\":2,"
            + "\"durationSeconds\":10,\"timeoutSeconds\":5,\"measuredSeconds\":2,"
            + "\"throughput\":{\"ops\":1.5,\"adds\":1.5,\"gets\":0},"
            + "\"measured\":{\"adds\":3,\"gets\":0,\"errors\":1},"
            + "\"longestStall\":{\"millis\":1934,\"endSeconds\":1.5},"
            + "\"latencyMicros\":{\"count\":3,\"mean\":"
            + micros(s.addLatency.getMean())
            + ",\"p50\":"
            + micros((double) p50)
            + ",\"p90\":"
            + micros((double) max)
            + ",\"p99\":"
            + micros((double) max)
            + ",\"p99.9\":"
            + micros((double) max)
            + ",\"max\":"
            + micros((double) max)
            + "},"
            + "\"errors\":{\"TIMEOUT_OUTCOME_UNKNOWN\":1},"
            + "\"totals\":{\"addsOk\":10,\"addsFailed\":0,\"addsUnknown\":1,\"getsOk\":0,"
            + "\"getsFailed\":0,\"unanswered\":0},"
            + "\"verification\":{\"passed\":true,\"start\":5,\"ackedDelta\":10,\"unknownDelta\":1,"
            + "\"expectedMin\":15,\"expectedMax\":16,\"leader\":16,"
            + "\"replicas\":{\"127.0.0.1:7201\":16,\"127.0.0.1:7202\":16},\"unreached\":{},\"settled\":true,"
            + "\"problems\":[]},\"passed\":true}";
    assertEquals(expected, s.toJson());
    // values about right: 2 ms median, 3 ms max (HdrHistogram keeps 3 significant digits)
    assertEquals(2000.0, Double.parseDouble(micros((double) p50)), 2.0);
    assertEquals(3000.0, Double.parseDouble(micros((double) max)), 3.0);
  }

  private static String micros(double nanos) {
    return Json.write(BenchSummary.round(nanos / 1e3, 1));
  }

  @Test
  void jsonWithReadsHasPerOperationLatencyAndHistory() {
    BenchSummary s = summary(25);
    s.historyFile = "h.jsonl";
    s.historyLines = 12;
    String json = s.toJson();
    assertTrue(json.contains("\"readPercent\":25"), json);
    assertTrue(json.contains("\"throughput\":{\"ops\":2,\"adds\":1.5,\"gets\":0.5}"), json);
    assertTrue(json.contains("\"latencyMicros\":{\"count\":4,"), json);
    assertTrue(json.contains("\"latencyMicrosAdd\":{\"count\":3,"), json);
    assertTrue(json.contains("\"latencyMicrosGet\":{\"count\":1,"), json);
    assertTrue(
        json.contains(
            "\"history\":{\"file\":\"h.jsonl\",\"lines\":12,\"parked\":0," + "\"error\":null}"),
        json);
  }

  @Test
  void emptyLatencyIsNull() {
    BenchSummary s = summary(0);
    s.addLatency = new Histogram(3);
    assertTrue(
        s.toJson()
            .contains(
                "\"latencyMicros\":{\"count\":0,\"mean\":null,\"p50\":null,"
                    + "\"p90\":null,\"p99\":null,\"p99.9\":null,\"max\":null}"),
        s.toJson());
  }

  @Test
  void text() {
    String text = summary(25).toText();
    String[] lines = text.split(System.lineSeparator());
    assertEquals(
        "counter-bench: 2 servers, concurrency 4 (1 client), 16-byte adds, reads 25%,"
            + " warm-up 2 s, measured 2.000 s",
        lines[0]);
    assertEquals("throughput:   2 ops/s (adds 2/s, gets 1/s)", lines[1]);
    assertTrue(lines[2].startsWith("latency:      p50 1.00"), lines[2]);
    assertTrue(lines[2].endsWith(" ms  (4 ops)"), lines[2]);
    assertTrue(lines[3].startsWith("latency add:  p50 2.0"), lines[3]);
    assertTrue(lines[4].startsWith("latency get:  p50 0.500 ms"), lines[4]);
    assertEquals(
        "errors:       TIMEOUT_OUTCOME_UNKNOWN 1 (whole run; 1 in the measured window)", lines[5]);
    assertEquals(
        "longest stall: 1934 ms with nothing acknowledged (ended 1.5 s into the measured window)",
        lines[6]);
    assertEquals(
        "totals:       adds 10 ok, 0 failed, 1 unknown; gets 2 ok, 0 failed (whole run,"
            + " warm-up included)",
        lines[7]);
    assertTrue(lines[8].startsWith("verification: PASSED: every replica (2) = 16"), lines[8]);
    assertEquals(9, lines.length);
  }

  @Test
  void aFailedHistoryFailsTheRun() {
    BenchSummary s = summary(0);
    assertTrue(s.passed());
    s.historyFile = "h";
    s.historyError = "java.io.IOException: disk full";
    assertFalse(s.passed());
    assertTrue(s.toText().contains("WRITE FAILED: java.io.IOException: disk full"));
  }
}
