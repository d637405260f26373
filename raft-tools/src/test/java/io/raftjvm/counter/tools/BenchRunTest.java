package io.raftjvm.counter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.ClientException;
import io.raftjvm.client.ClientException.Kind;
import io.raftjvm.counter.CounterCommands;
import io.raftjvm.counter.tools.Verification.Reading;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The load loop against an in-memory counter that answers on its own thread (like the client's I/O
 * thread) and fails some requests in every way a cluster can: the counts, the history and the
 * verification must all agree with what the fake really applied.
 */
class BenchRunTest {
  private static final Pattern LINE =
      Pattern.compile(
          "\\{\"process\":(\\d+),\"op\":\"(add|get)\"(,\"delta\":1)?(,\"value\":(-?\\d+))?"
              + ",\"invoke\":(-?\\d+),\"complete\":(-?\\d+),\"status\":\"(ok|fail|timeout)\"}");

  private final ExecutorService io =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "fake-io");
            t.setDaemon(true);
            return t;
          });

  @AfterEach
  void stop() {
    io.shutdownNow();
  }

  /** A counter behind a fake client: answers asynchronously, with scripted failures. */
  final class FakeCounter implements BenchRun.Target {
    final AtomicLong value = new AtomicLong(1000);
    final AtomicInteger proposes = new AtomicInteger();
    final AtomicInteger queries = new AtomicInteger();
    final AtomicInteger outstanding = new AtomicInteger();
    final AtomicInteger maxOutstanding = new AtomicInteger();
    final AtomicInteger badPayloads = new AtomicInteger();

    private CompletableFuture<byte[]> answer(java.util.function.Supplier<byte[]> work) {
      int now = outstanding.incrementAndGet();
      maxOutstanding.accumulateAndGet(now, Math::max);
      CompletableFuture<byte[]> f = new CompletableFuture<>();
      io.execute(
          () -> {
            outstanding.decrementAndGet();
            try {
              f.complete(work.get());
            } catch (RuntimeException e) {
              f.completeExceptionally(e);
            }
          });
      return f;
    }

    @Override
    public CompletableFuture<byte[]> propose(byte[] command) {
      int n = proposes.incrementAndGet();
      if (command.length != 16 || CounterCommands.decodeCommand(command).delta() != 1) {
        badPayloads.incrementAndGet();
      }
      return answer(
          () -> {
            if (n % 10 == 0) { // applied, but the answer is lost
              value.incrementAndGet();
              throw new ClientException(Kind.TIMEOUT_OUTCOME_UNKNOWN, "no answer");
            }
            if (n % 10 == 5) { // leadership lost, not applied
              throw new ClientException(Kind.LEADERSHIP_LOST_OUTCOME_UNKNOWN, "lost");
            }
            if (n % 13 == 0) { // the state machine refuses
              return CounterCommands.rejected();
            }
            if (n % 17 == 0) { // never sent
              throw new ClientException(Kind.UNAVAILABLE, "overloaded");
            }
            return CounterCommands.encodeValue(value.incrementAndGet());
          });
    }

    @Override
    public CompletableFuture<byte[]> query(byte[] query) {
      int n = queries.incrementAndGet();
      return answer(
          () -> {
            if (n % 7 == 0) {
              throw new ClientException(Kind.TIMEOUT_OUTCOME_UNKNOWN, "no answer");
            }
            return CounterCommands.encodeValue(value.get());
          });
    }
  }

  @Test
  void countsHistoryAndVerificationAgreeWithWhatWasApplied() throws Exception {
    FakeCounter fake = new FakeCounter();
    long start = fake.value.get();
    StringWriter historyOut = new StringWriter();
    StringWriter progress = new StringWriter();
    HistoryWriter history = new HistoryWriter(historyOut, 1 << 16);
    BenchRun run =
        new BenchRun(
            new BenchRun.Settings(
                8, Duration.ofMillis(200), Duration.ofMillis(1000), 16, 30, Duration.ofSeconds(30)),
            List.of(fake, fake),
            history,
            new PrintWriter(progress, true));
    BenchSummary s = run.run();
    history.close();

    // exactly N outstanding, never more
    assertEquals(8, fake.maxOutstanding.get());
    assertEquals(0, fake.badPayloads.get());
    assertEquals(fake.proposes.get(), s.addsOk + s.addsFailed + s.addsUnknown);
    assertEquals(fake.queries.get(), s.getsOk + s.getsFailed);
    assertTrue(s.addsOk > 50 && s.getsOk > 10, s.toText());
    assertEquals(s.addsOk, run.ackedDelta());
    assertEquals(s.addsUnknown, run.unknownDelta());
    assertEquals(0, s.unanswered);
    assertTrue(s.measuredAdds > 0 && s.measuredAdds <= s.addsOk);
    assertEquals(s.measuredAdds, s.addLatency.getTotalCount());
    assertEquals(s.measuredGets, s.getLatency.getTotalCount());
    assertTrue(s.measuredNanos >= Duration.ofMillis(900).toNanos(), "" + s.measuredNanos);
    for (String kind :
        List.of(
            "TIMEOUT_OUTCOME_UNKNOWN",
            "LEADERSHIP_LOST_OUTCOME_UNKNOWN",
            "REFUSED",
            "UNAVAILABLE")) {
      assertTrue(s.errors.getOrDefault(kind, 0L) > 0, kind + " in " + s.errors);
    }
    assertEquals(s.addsFailed + s.addsUnknown + s.getsFailed, s.totalErrors());

    // the end check passes on the fake's real value, and would fail with one add too many
    long end = fake.value.get();
    List<Reading> replicas = List.of(Reading.of("a:1", end), Reading.of("b:2", end));
    Verification v =
        Verification.check(start, run.ackedDelta(), run.unknownDelta(), end, replicas, true);
    assertTrue(v.passed(), v.toText());
    assertTrue(end > start + run.ackedDelta(), "some unknown adds were applied");
    assertTrue(end < start + run.ackedDelta() + run.unknownDelta(), "some were not");

    // one history line per operation; per worker, operations one after another
    String[] lines = historyOut.toString().split("\n");
    assertEquals(fake.proposes.get() + fake.queries.get(), lines.length);
    Map<Integer, Long> lastComplete = new HashMap<>();
    Map<String, Integer> statuses = new HashMap<>();
    for (String line : lines) {
      Matcher m = LINE.matcher(line);
      assertTrue(m.matches(), line);
      int process = Integer.parseInt(m.group(1));
      boolean add = m.group(2).equals("add");
      boolean hasValue = m.group(4) != null;
      String status = m.group(8);
      assertTrue(process >= 0 && process < 8, line);
      assertEquals(add, m.group(3) != null, "delta on adds only: " + line);
      assertEquals(status.equals("ok"), hasValue, "value when ok only: " + line);
      long invoke = Long.parseLong(m.group(6));
      long complete = Long.parseLong(m.group(7));
      assertTrue(complete >= invoke, line);
      Long previous = lastComplete.put(process, complete);
      assertTrue(previous == null || invoke >= previous, "sequential per process: " + line);
      statuses.merge(m.group(2) + ":" + status, 1, Integer::sum);
    }
    assertEquals(s.addsOk, (long) statuses.getOrDefault("add:ok", 0));
    assertEquals(s.addsFailed, (long) statuses.getOrDefault("add:fail", 0));
    assertEquals(s.addsUnknown, (long) statuses.getOrDefault("add:timeout", 0));
    assertEquals(s.getsOk, (long) statuses.getOrDefault("get:ok", 0));
    assertEquals(
        s.getsFailed,
        (long) statuses.getOrDefault("get:timeout", 0) + statuses.getOrDefault("get:fail", 0));

    // a progress line after the first second
    assertTrue(
        progress
            .toString()
            .matches(
                "(?s)counter-bench: +\\d+ s  measure +\\d+ ops/s  p99 so far (\\d+\\.\\d{3} ms|-)  errors \\d+\n.*"),
        progress.toString());
  }

  @Test
  void failuresThatComeAtOnceDoNotSpinOrOverflowTheStack() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    BenchRun.Target refusing =
        new BenchRun.Target() {
          @Override
          public CompletableFuture<byte[]> propose(byte[] command) {
            calls.incrementAndGet();
            return CompletableFuture.failedFuture(new ClientException(Kind.UNAVAILABLE, "full"));
          }

          @Override
          public CompletableFuture<byte[]> query(byte[] query) {
            throw new IllegalStateException("boom");
          }
        };
    BenchRun run =
        new BenchRun(
            new BenchRun.Settings(
                4, Duration.ZERO, Duration.ofMillis(300), 9, 50, Duration.ofSeconds(30)),
            List.of(refusing),
            null,
            new PrintWriter(new StringWriter()));
    long began = System.nanoTime();
    BenchSummary s = run.run();
    long elapsedMs = (System.nanoTime() - began) / 1_000_000;
    assertEquals(0, s.addsOk + s.getsOk);
    assertEquals(calls.get(), s.addsFailed);
    assertTrue(s.getsFailed > 0);
    assertEquals(
        "OTHER",
        s.errors.keySet().stream().filter(k -> !k.equals("UNAVAILABLE")).findFirst().orElse(""));
    // each failure waits 1 ms before the worker's next request: at most 4 per ms, not a spin
    assertTrue(
        calls.get() + s.getsFailed <= 4 * (elapsedMs + 1),
        (calls.get() + s.getsFailed) + " requests in " + elapsedMs + " ms");
  }

  @Test
  void requestsThatNeverFinishCountAsUnknownAfterTheDrainTimeout() throws Exception {
    BenchRun.Target silent =
        new BenchRun.Target() {
          @Override
          public CompletableFuture<byte[]> propose(byte[] command) {
            return new CompletableFuture<>();
          }

          @Override
          public CompletableFuture<byte[]> query(byte[] query) {
            return new CompletableFuture<>();
          }
        };
    BenchRun run =
        new BenchRun(
            new BenchRun.Settings(
                5, Duration.ZERO, Duration.ofMillis(100), 16, 0, Duration.ofMillis(100)),
            List.of(silent),
            null,
            new PrintWriter(new StringWriter()));
    BenchSummary s = run.run();
    assertEquals(5, s.unanswered);
    assertEquals(0, run.ackedDelta());
    assertEquals(5, run.unknownDelta());
  }
}
