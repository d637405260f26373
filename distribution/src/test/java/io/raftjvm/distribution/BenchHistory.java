package io.raftjvm.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * A counter-bench history ({@code --history FILE}: one JSON object per operation, with invoke and
 * complete in System.nanoTime and a status of ok, fail or timeout) reduced to what a test asks of
 * it: how many operations ended how, and the gaps between acknowledgements, the stretches in which
 * the clients saw the cluster do nothing for them. Immutable.
 */
final class BenchHistory {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A stretch between two successive acknowledgements, in System.nanoTime. */
  record Gap(long from, long to) {
    static final Gap NONE = new Gap(0, 0);

    long millis() {
      return (to - from) / 1_000_000;
    }
  }

  /** Completion times of the acknowledged operations, ascending. */
  private final long[] acknowledged;

  /** Operations by status. */
  private final Map<String, Long> statuses;

  private BenchHistory(long[] acknowledged, Map<String, Long> statuses) {
    this.acknowledged = acknowledged;
    this.statuses = statuses;
  }

  static BenchHistory read(Path file) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return parse(in.lines().toList());
    }
  }

  static BenchHistory parse(Iterable<String> lines) throws IOException {
    long[] ok = new long[1024];
    int n = 0;
    Map<String, Long> statuses = new TreeMap<>();
    for (String line : lines) {
      if (line.isBlank()) continue;
      JsonNode op = JSON.readTree(line);
      String status = op.get("status").asText();
      statuses.merge(status, 1L, Long::sum);
      if (status.equals("ok")) {
        if (n == ok.length) ok = Arrays.copyOf(ok, n * 2);
        ok[n++] = op.get("complete").asLong();
      }
    }
    long[] acknowledged = Arrays.copyOf(ok, n);
    Arrays.sort(acknowledged);
    return new BenchHistory(acknowledged, statuses);
  }

  long count(String status) {
    return statuses.getOrDefault(status, 0L);
  }

  long acknowledged() {
    return acknowledged.length;
  }

  /** The longest gap between two successive acknowledgements; NONE with fewer than two. */
  Gap longestGap() {
    return longestGapEndingIn(Long.MIN_VALUE, Long.MAX_VALUE);
  }

  /**
   * The longest gap between two successive acknowledgements that ended in [from, to], whenever it
   * began: what a disturbance in that time cost, counted once even when it began in an earlier one.
   * NONE when no gap ended then.
   */
  Gap longestGapEndingIn(long from, long to) {
    Gap longest = Gap.NONE;
    for (int i = 1; i < acknowledged.length; i++) {
      long a = acknowledged[i - 1];
      long b = acknowledged[i];
      if (b >= from && b <= to && b - a > longest.to() - longest.from()) {
        longest = new Gap(a, b);
      }
    }
    return longest;
  }
}
