package io.raftjvm.counter.tools;

import io.raftjvm.client.Durations;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What a benchmark run measured, printed as text or as one JSON object ({@code --json}).
 *
 * <p>Throughput and latency cover the measured window only (after the warm-up, before the stop);
 * latency is that of acknowledged operations (call to answer, in the client). Errors and the totals
 * cover the whole run (warm-up and the final drain included), as does the verification. JSON
 * latencies are in microseconds, text ones in milliseconds.
 */
final class BenchSummary {
  // settings
  List<String> cluster = List.of();
  int concurrency;
  int clients;
  int payload;
  int readPercent;
  Duration warmup = Duration.ZERO;
  Duration duration = Duration.ZERO;
  Duration timeout = Duration.ZERO;

  // measured window
  long measuredNanos;
  long measuredAdds;
  long measuredGets;
  long measuredErrors;

  /**
   * Longest time in the window with no operation acknowledged, and when it ended (into the window).
   */
  long longestStallNanos;

  long longestStallEndNanos;

  /** Latencies of acknowledged operations in the window, in nanoseconds. */
  Histogram addLatency = new Histogram(3);

  Histogram getLatency = new Histogram(3);

  // whole run
  Map<String, Long> errors = new TreeMap<>();
  long addsOk;
  long addsFailed;
  long addsUnknown;
  long getsOk;
  long getsFailed;

  /** Requests that had no answer at all when the run gave up waiting (counted as unknown). */
  long unanswered;

  // history (null file: no --history)
  String historyFile;
  long historyLines;
  long historyParked;
  String historyError;

  Verification verification;

  double seconds() {
    return measuredNanos / 1e9;
  }

  double rate(long count) {
    return measuredNanos <= 0 ? 0 : count / seconds();
  }

  long totalErrors() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }

  boolean passed() {
    return verification != null && verification.passed() && historyError == null;
  }

  Histogram allLatency() {
    Histogram all = new Histogram(3);
    all.add(addLatency);
    all.add(getLatency);
    return all;
  }

  Map<String, Object> toJsonMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cluster", cluster);
    m.put("concurrency", concurrency);
    m.put("clients", clients);
    m.put("payloadBytes", payload);
    m.put("readPercent", readPercent);
    m.put("warmupSeconds", warmup.toMillis() / 1e3);
    m.put("durationSeconds", duration.toMillis() / 1e3);
    m.put("timeoutSeconds", timeout.toMillis() / 1e3);
    m.put("measuredSeconds", round(seconds(), 3));
    Map<String, Object> tp = new LinkedHashMap<>();
    tp.put("ops", round(rate(measuredAdds + measuredGets), 1));
    tp.put("adds", round(rate(measuredAdds), 1));
    tp.put("gets", round(rate(measuredGets), 1));
    m.put("throughput", tp);
    Map<String, Object> measured = new LinkedHashMap<>();
    measured.put("adds", measuredAdds);
    measured.put("gets", measuredGets);
    measured.put("errors", measuredErrors);
    m.put("measured", measured);
    Map<String, Object> stall = new LinkedHashMap<>();
    stall.put("millis", round(longestStallNanos / 1e6, 1));
    stall.put("endSeconds", round(longestStallEndNanos / 1e9, 3));
    m.put("longestStall", stall);
    m.put("latencyMicros", latency(allLatency()));
    if (readPercent > 0) {
      m.put("latencyMicrosAdd", latency(addLatency));
      m.put("latencyMicrosGet", latency(getLatency));
    }
    m.put("errors", new LinkedHashMap<>(errors));
    Map<String, Object> totals = new LinkedHashMap<>();
    totals.put("addsOk", addsOk);
    totals.put("addsFailed", addsFailed);
    totals.put("addsUnknown", addsUnknown);
    totals.put("getsOk", getsOk);
    totals.put("getsFailed", getsFailed);
    totals.put("unanswered", unanswered);
    m.put("totals", totals);
    if (historyFile != null) {
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("file", historyFile);
      h.put("lines", historyLines);
      h.put("parked", historyParked);
      h.put("error", historyError);
      m.put("history", h);
    }
    m.put("verification", verification == null ? null : verification.toJsonMap());
    m.put("passed", passed());
    return m;
  }

  String toJson() {
    return Json.write(toJsonMap());
  }

  String toText() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "counter-bench: %d server%s, concurrency %d (%d client%s), %d-byte adds, reads %d%%,"
                + " warm-up %s, measured %.3f s%n",
            cluster.size(),
            cluster.size() == 1 ? "" : "s",
            concurrency,
            clients,
            clients == 1 ? "" : "s",
            payload,
            readPercent,
            Durations.format(warmup),
            seconds()));
    sb.append(
        String.format(Locale.ROOT, "throughput:   %.0f ops/s", rate(measuredAdds + measuredGets)));
    if (readPercent > 0) {
      sb.append(
          String.format(
              Locale.ROOT, " (adds %.0f/s, gets %.0f/s)", rate(measuredAdds), rate(measuredGets)));
    }
    sb.append(System.lineSeparator());
    sb.append("latency:      ").append(latencyText(allLatency())).append(System.lineSeparator());
    if (readPercent > 0) {
      sb.append("latency add:  ").append(latencyText(addLatency)).append(System.lineSeparator());
      sb.append("latency get:  ").append(latencyText(getLatency)).append(System.lineSeparator());
    }
    sb.append("errors:       ");
    if (errors.isEmpty()) {
      sb.append("none");
    } else {
      boolean first = true;
      for (Map.Entry<String, Long> e : errors.entrySet()) {
        sb.append(first ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue());
        first = false;
      }
      sb.append(" (whole run; ").append(measuredErrors).append(" in the measured window)");
    }
    sb.append(System.lineSeparator());
    sb.append(
        String.format(
            Locale.ROOT,
            "longest stall: %.0f ms with nothing acknowledged (ended %.1f s into the"
                + " measured window)%n",
            longestStallNanos / 1e6,
            longestStallEndNanos / 1e9));
    sb.append(
        String.format(
            Locale.ROOT,
            "totals:       adds %d ok, %d failed, %d unknown; gets %d ok, %d failed"
                + " (whole run, warm-up included)%s%n",
            addsOk,
            addsFailed,
            addsUnknown,
            getsOk,
            getsFailed,
            unanswered > 0 ? "; " + unanswered + " never answered" : ""));
    if (historyFile != null) {
      sb.append("history:      ").append(historyLines).append(" lines in ").append(historyFile);
      if (historyParked > 0) {
        sb.append(" (workers waited for the disk ").append(historyParked).append(" times)");
      }
      if (historyError != null) {
        sb.append("; WRITE FAILED: ").append(historyError);
      }
      sb.append(System.lineSeparator());
    }
    sb.append(verification == null ? "verification: not run" : verification.toText())
        .append(System.lineSeparator());
    return sb.toString();
  }

  private static Map<String, Object> latency(Histogram h) {
    Map<String, Object> m = new LinkedHashMap<>();
    long n = h.getTotalCount();
    m.put("count", n);
    m.put("mean", n == 0 ? null : round(h.getMean() / 1e3, 1));
    m.put("p50", micros(h, 50));
    m.put("p90", micros(h, 90));
    m.put("p99", micros(h, 99));
    m.put("p99.9", micros(h, 99.9));
    m.put("max", n == 0 ? null : round(h.getMaxValue() / 1e3, 1));
    return m;
  }

  private static Double micros(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? null : round(h.getValueAtPercentile(percentile) / 1e3, 1);
  }

  static String latencyText(Histogram h) {
    if (h.getTotalCount() == 0) {
      return "no acknowledged operations";
    }
    return String.format(
        Locale.ROOT,
        "p50 %s ms  p90 %s ms  p99 %s ms  p99.9 %s ms  max %s ms  (%d ops)",
        ms(h.getValueAtPercentile(50)),
        ms(h.getValueAtPercentile(90)),
        ms(h.getValueAtPercentile(99)),
        ms(h.getValueAtPercentile(99.9)),
        ms(h.getMaxValue()),
        h.getTotalCount());
  }

  /** Nanoseconds as milliseconds with 3 decimals. */
  static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
  }

  static double round(double v, int decimals) {
    double f = Math.pow(10, decimals);
    return Math.round(v * f) / f;
  }
}
