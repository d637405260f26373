package io.raftjvm.counter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.Durations;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** counter-bench's options: defaults, parsing and the one-line usage errors (exit 2). */
class CounterBenchOptionsTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return CounterBench.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
        .execute(args);
  }

  private static CounterBench parse(String... args) {
    CommandLine cl =
        CounterBench.commandLine(
            new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    cl.parseArgs(args);
    return cl.getCommand();
  }

  @Test
  void defaults() {
    CounterBench b = parse("--cluster", "127.0.0.1:7201,127.0.0.1:7202, 127.0.0.1:7203");
    BenchRun.Settings s = b.settings();
    assertEquals(List.of("127.0.0.1:7201", "127.0.0.1:7202", "127.0.0.1:7203"), b.servers());
    assertEquals(256, s.concurrency());
    assertEquals(Duration.ofSeconds(10), s.duration());
    assertEquals(Duration.ofSeconds(2), s.warmup());
    assertEquals(16, s.payload());
    assertEquals(0, s.readPercent());
    assertEquals(Duration.ofSeconds(5), b.timeout);
    assertEquals(1, b.clients);
    assertNull(b.history);
    assertFalse(b.json);
    assertEquals(Duration.ofSeconds(15), s.drainTimeout());
  }

  @Test
  void everyOption() {
    CounterBench b =
        parse(
            "--cluster",
            "h:1",
            "--concurrency",
            "1",
            "--duration",
            "500ms",
            "--warmup",
            "0s",
            "--payload",
            "9",
            "--reads",
            "100",
            "--history",
            "h.jsonl",
            "--json",
            "--timeout",
            "1.5s",
            "--clients",
            "1",
            "--verify-timeout",
            "1m");
    BenchRun.Settings s = b.settings();
    assertEquals(1, s.concurrency());
    assertEquals(Duration.ofMillis(500), s.duration());
    assertEquals(Duration.ZERO, s.warmup());
    assertEquals(9, s.payload());
    assertEquals(100, s.readPercent());
    assertEquals(Path.of("h.jsonl"), b.history);
    assertTrue(b.json);
    assertEquals(Duration.ofMillis(1500), b.timeout);
    assertEquals(Duration.ofMinutes(1), b.verifyTimeout);
  }

  @Test
  void missingCluster() {
    assertEquals(2, run("--concurrency", "4"));
    assertEquals(
        "counter-bench: Missing required option: '--cluster=HOST:PORT[,HOST:PORT...]'"
            + " (see counter-bench --help)",
        err.toString().strip());
    assertEquals("", out.toString());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--payload|8|--payload must be between 9 (1-byte op + 8-byte delta) and 1048576 bytes, got 8",
        "--payload|0|--payload must be between 9",
        "--payload|2000000|--payload must be between 9",
        "--payload|x|Invalid value for option '--payload': 'x' is not an int",
        "--concurrency|0|--concurrency must be between 1 and 1000000, got 0",
        "--reads|101|--reads must be a percentage between 0 and 100, got 101",
        "--reads|-1|--reads must be a percentage between 0 and 100, got -1",
        "--duration|0s|--duration must be positive",
        "--duration|10x|expected a duration such as 10s, 500ms, 2m or 1h, got '10x'",
        "--timeout|0ms|--timeout must be positive",
        "--clients|300|--clients must be between 1 and --concurrency (256), got 300",
        "--cluster|localhost|Invalid value for option '--cluster': expected host:port, but 'localhost' has no port",
        "--cluster|h:0|expected host:port, but 'h:0' has a port outside 1-65535",
        "--cluster|h:p|expected host:port, but 'h:p' has a bad port",
        "--cluster|,|expected host:port[,host:port...], got ','",
      })
  void badValuesAreOneLineUsageErrors(String option, String value, String message) {
    String[] args =
        option.equals("--cluster")
            ? new String[] {"--cluster", value}
            : new String[] {"--cluster", "127.0.0.1:1", option, value};
    assertEquals(2, run(args));
    String e = err.toString();
    assertEquals(1, e.lines().count(), e);
    assertTrue(e.startsWith("counter-bench: "), e);
    assertTrue(e.contains(message), e);
    assertTrue(e.strip().endsWith("(see counter-bench --help)"), e);
  }

  @Test
  void unknownOption() {
    assertEquals(2, run("--cluster", "h:1", "--bogus"));
    assertTrue(
        err.toString().startsWith("counter-bench: Unknown option: '--bogus'"), err.toString());
  }

  @Test
  void help() {
    assertEquals(0, run("--help"));
    assertTrue(out.toString().contains("--payload=BYTES"), out.toString());
    assertTrue(out.toString().contains("--history=FILE"), out.toString());
  }

  @ParameterizedTest
  @CsvSource({
    "10s,10000",
    "500ms,500",
    "2m,120000",
    "1h,3600000",
    "1.5s,1500",
    "PT3S,3000",
    "0s,0",
    "250us,0"
  })
  void durations(String text, long millis) {
    assertEquals(millis, Durations.parse(text).toMillis());
  }

  @Test
  void humanDurations() {
    assertEquals("5 s", Durations.format(Duration.ofSeconds(5)));
    assertEquals("500 ms", Durations.format(Duration.ofMillis(500)));
    assertEquals("1.5 s", Durations.format(Duration.ofMillis(1500)));
    assertEquals("250 us", Durations.format(Duration.ofNanos(250_000)));
  }
}
