package io.raftjvm.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * counter-bench's {@code --json} summary, judged for a run during which a majority of the servers
 * was always up: its verification must pass (every replica holds every acknowledged add, and no
 * more than the adds of unknown outcome besides), and no request may have failed for certain.
 *
 * <p>What counts as failed comes from the bench's outcomes: an operation ends ok, or unknown (a
 * deadline passed, a connection or leadership was lost after it was sent: it may have applied;
 * {@code totals.addsUnknown}), or failed (it certainly did not apply: no leader found before the
 * deadline, the cluster unavailable or refusing; {@code totals.addsFailed}, {@code getsFailed}).
 * The client library retries an undecided propose in its session by itself, so unknowns are rare,
 * and they are accounted for by the verification's range; a certain failure means the cluster
 * turned a client away while it had a majority, which a rolling restart must not do.
 */
final class BenchResult {
  private static final ObjectMapper JSON = new ObjectMapper();

  final JsonNode summary;

  private BenchResult(JsonNode summary) {
    this.summary = summary;
  }

  /** The summary: the last line of the bench's stdout that is a JSON object. */
  static BenchResult parse(String stdout) throws IOException {
    List<String> lines = stdout.lines().filter(l -> l.startsWith("{")).toList();
    if (lines.isEmpty()) throw new IOException("no JSON summary in: " + stdout);
    return new BenchResult(JSON.readTree(lines.get(lines.size() - 1)));
  }

  long total(String field) {
    return summary.path("totals").path(field).asLong();
  }

  /** What is wrong with the run; empty when nothing is. */
  List<String> problems() {
    List<String> problems = new ArrayList<>();
    if (!summary.path("passed").asBoolean(false)) {
      problems.add("verification did not pass: " + summary.path("verification"));
    }
    for (String field : List.of("addsFailed", "getsFailed", "unanswered")) {
      long n = total(field);
      if (n != 0 || !summary.path("totals").has(field)) {
        problems.add(field + " = " + n + " (errors: " + summary.path("errors") + ")");
      }
    }
    if (total("addsOk") == 0) problems.add("nothing was acknowledged");
    return problems;
  }

  /** One line for the test's output: throughput, latency, errors, the bench's longest stall. */
  String describe() {
    JsonNode latency = summary.path("latencyMicros");
    return String.format(
        java.util.Locale.ROOT,
        "%.0f ops/s over %.1f s (concurrency %d); latency p50 %.1f ms, p99 %.1f ms, max %.1f ms;"
            + " adds %d ok, %d unknown, %d failed; errors %s; longest stall in the measured"
            + " window %.0f ms",
        summary.path("throughput").path("ops").asDouble(),
        summary.path("measuredSeconds").asDouble(),
        summary.path("concurrency").asInt(),
        latency.path("p50").asDouble() / 1e3,
        latency.path("p99").asDouble() / 1e3,
        latency.path("max").asDouble() / 1e3,
        total("addsOk"),
        total("addsUnknown"),
        total("addsFailed"),
        summary.path("errors"),
        summary.path("longestStall").path("millis").asDouble());
  }
}
