package io.raftjvm.log.chronicle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import io.raftjvm.proto.HardState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash tests with a real child JVM ({@link CrashChild}) killed by SIGKILL at random moments, and
 * truncate-then-restart tests. After every restart the log must hold everything the child reported
 * durable, no entry superseded by a durable overwrite, and at most a prefix of the one write in
 * progress ({@link ExpectedLog}); and it must accept new writes that survive a further reopen.
 *
 * <p>NB: SIGKILL keeps the page cache, so these tests check crash consistency of the on-disk format
 * and Chronicle's recovery of a dead writer's half-written excerpt; they cannot check that {@code
 * sync()} reaches the disk (that would take power loss).
 *
 * <p>Seeded: {@code -Dcrash.seed=N} replays a run's choices (kill moments still depend on timing);
 * {@code -Dcrash.cycles=N} sets the number of kill/restart cycles (default 24).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class CrashRecoveryTest {
  private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(90);
  private static final int CYCLES = Integer.getInteger("crash.cycles", 24);

  /**
   * Bound on reopening after a kill up to the first synced append. Chronicle takes over the write
   * lock of a dead writer at once, but waits 15 s (1.5 x its default timeoutMS) before giving up on
   * a lock whose holder it believes alive; well below that, yet generous for a loaded machine.
   */
  @TempDir Path tmp;

  /** Kill/restart cycles on one directory, each child continuing the log the previous one left. */
  @Test
  void everyReportedEntrySurvivesSigkill() throws Exception {
    long seed = Long.getLong("crash.seed", System.nanoTime());
    withSeed(seed, () -> killCycles(seed));
  }

  private void killCycles(long seed) throws Exception {
    SplittableRandom rnd = new SplittableRandom(seed);
    Path data = tmp.resolve("data");
    ExpectedLog model = new ExpectedLog();
    createLog(data);
    long start = System.nanoTime();
    long maxRecoveryMs = 0;
    for (int cycle = 1; cycle <= CYCLES; cycle++) {
      int overwritePercent = rnd.nextBoolean() ? 10 : 40;
      int kind = rnd.nextInt(10);
      KillPlan plan =
          kind == 0
              ? new KillPlan('O', 0, 0)
              : kind == 1
                  ? new KillPlan('S', 0, rnd.nextInt(3))
                  : new KillPlan('P', 1 + rnd.nextInt(120), rnd.nextInt(4));
      try (Child child =
          Child.start(
              data,
              tmp.resolve("child-" + cycle + ".err"),
              rnd.nextLong(),
              overwritePercent,
              "run",
              plan,
              model)) {
        child.awaitDeath();
      }
      long t0 = System.nanoTime();
      String outcome;
      try (ChronicleLogStore store = open(data)) {
        outcome = model.verifyRecovered(store);
        appendSome(store, model, rnd);
      }
      maxRecoveryMs = Math.max(maxRecoveryMs, checkRecoveryTime(t0));
      try (ChronicleLogStore store = open(data)) {
        model.verifyExact(
            store, "cycle " + cycle + ": reopened after appending past the recovered log");
      }
      System.out.printf(
          "crash cycle %d: killed %s; %s; log now [1, %d]%n",
          cycle, plan, outcome, model.lastIndex());
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    System.out.printf(
        "crash cycles: %d in %d ms (slowest reopen-check-append %d ms): %d with no write in progress, "
            + "pending write found none/part/all: %d/%d/%d (%d of them overwrites); log ends at %d%n",
        CYCLES,
        ms,
        maxRecoveryMs,
        model.cleanKills,
        model.pendingNoneWritten,
        model.pendingPartlyWritten,
        model.pendingAllWritten,
        model.pendingOverwrites,
        model.lastIndex());
    assertTrue(model.lastIndex() > 0, "the children wrote nothing");
  }

  /**
   * In-process: superseded entries never come back after close and reopen, in one segment or across
   * a roll.
   */
  @Test
  void overwrittenSuffixStaysGoneAfterReopen() {
    long seed = Long.getLong("crash.seed", System.nanoTime());
    withSeed(
        seed,
        () -> {
          SplittableRandom rnd = new SplittableRandom(seed);
          Path data = tmp.resolve("data");
          ExpectedLog model = new ExpectedLog();
          try (ChronicleLogStore s = open(data)) {
            write(s, model, batch(1, 60, 1, rnd));
            write(s, model, batch(40, 5, 2, rnd)); // shorter: 45..60 of term 1 are gone
          }
          reopenAndCheck(data, model, "overwrite from 40 of a 60-entry log with 5 entries");
          try (ChronicleLogStore s = open(data)) {
            write(
                s,
                model,
                batch(45, 3, 2, rnd)); // the old 45..47 of term 1 must not be what is read
            // More than a segment, so the next overwrite lands in a later cycle file than what it
            // replaces.
            int before = s.segmentCount();
            write(s, model, batch(48, 1500, 2, rnd));
            assertTrue(s.segmentCount() > before, "expected the queue to roll to a new segment");
            write(s, model, batch(50, 2, 3, rnd));
          }
          reopenAndCheck(data, model, "overwrite from 50 of entries in an older segment");
          try (ChronicleLogStore s = open(data)) {
            write(s, model, batch(52, 10, 3, rnd));
            write(s, model, batch(30, 4, 4, rnd)); // overwrites inside one session, each shorter
            write(s, model, batch(20, 4, 5, rnd));
            write(s, model, batch(22, 1, 6, rnd));
            assertEquals(22, s.lastIndex());
          } // close syncs: no explicit sync for the last writes
          reopenAndCheck(data, model, "three nested overwrites, then close");
        });
  }

  /**
   * In-process: an overwrite that shortens the log, then compaction up to the new last index, then
   * reopen. Every record of the overwrite is at or below the new first index, yet it must still
   * truncate what it superseded on replay.
   */
  @Test
  void overwrittenSuffixStaysGoneAfterCompactionToLastIndex() {
    long seed = Long.getLong("crash.seed", System.nanoTime());
    withSeed(
        seed,
        () -> {
          SplittableRandom rnd = new SplittableRandom(seed);
          Path data = tmp.resolve("data");
          ExpectedLog model = new ExpectedLog();
          try (ChronicleLogStore s = open(data)) {
            write(s, model, batch(1, 40, 1, rnd));
            write(
                s, model, batch(25, 3, 2, rnd)); // log is [1, 27]; 28..40 of term 1 are superseded
            HardState committed =
                HardState.newBuilder().setTerm(2).setVote(1).setCommit(27).build();
            s.setHardState(committed);
            s.sync();
            model.setHardState(committed);
            s.compact(27); // as after a snapshot at 27
            model.compact(27);
          }
          reopenAndCheck(
              data,
              model,
              "overwrite to 27, compaction to 27"); // empty: first 28, last 27, term(27) = 2
          try (ChronicleLogStore s = open(data)) {
            write(s, model, batch(28, 2, 2, rnd));
          }
          reopenAndCheck(data, model, "overwrite to 27, compaction to 27, append of 28..29");
        });
  }

  /** A child overwrites a suffix, syncs, reports it and is killed before its next write. */
  @Test
  void overwrittenSuffixStaysGoneAfterSigkill() throws Exception {
    long seed = Long.getLong("crash.seed", System.nanoTime());
    withSeed(
        seed,
        () -> {
          SplittableRandom rnd = new SplittableRandom(seed);
          Path data = tmp.resolve("data");
          ExpectedLog model = new ExpectedLog();
          createLog(data);
          for (int cycle = 1; cycle <= 3; cycle++) {
            try (Child child =
                Child.start(
                    data,
                    tmp.resolve("pause-" + cycle + ".err"),
                    rnd.nextLong(),
                    25,
                    "pause",
                    new KillPlan('B', 0, 0),
                    model)) {
              child.awaitDeath();
            }
            assertNull(
                model.pendingBatch(),
                "the child was killed after confirming the overwrite and before writing more");
            try (ChronicleLogStore store = open(data)) {
              String outcome = model.verifyRecovered(store);
              assertEquals("no write in progress", outcome);
              appendSome(store, model, rnd);
            }
            reopenAndCheck(
                data, model, "cycle " + cycle + ": reopened after appending past the overwrite");
          }
          assertEquals(3, model.cleanKills);
        });
  }

  /**
   * A child is killed in the middle of an excerpt (half an ENTRY record written, the excerpt and
   * the queue's write lock still held): reopening discards it promptly, and the log goes on after
   * it.
   */
  @Test
  void halfWrittenExcerptIsDiscarded() throws Exception {
    long seed = Long.getLong("crash.seed", System.nanoTime());
    withSeed(
        seed,
        () -> {
          SplittableRandom rnd = new SplittableRandom(seed);
          Path data = tmp.resolve("data");
          ExpectedLog model = new ExpectedLog();
          createLog(data);
          for (int cycle = 1; cycle <= 2; cycle++) {
            try (Child child =
                Child.start(
                    data,
                    tmp.resolve("tear-" + cycle + ".err"),
                    rnd.nextLong(),
                    0,
                    "tear",
                    new KillPlan('T', 0, 0),
                    model)) {
              child.awaitDeath();
            }
            long t0 = System.nanoTime();
            try (ChronicleLogStore store = open(data)) {
              assertEquals("no write in progress", model.verifyRecovered(store));
              appendSome(store, model, rnd);
            }
            long ms = checkRecoveryTime(t0);
            System.out.printf(
                "torn excerpt %d: reopened, checked and appended in %d ms; log now [1, %d]%n",
                cycle, ms, model.lastIndex());
            reopenAndCheck(
                data, model, "cycle " + cycle + ": reopened after appending past a torn excerpt");
          }
        });
  }

  // ------------------------------------------------------------------ helpers

  interface Body {
    void run() throws Exception;
  }

  /** Runs body, naming the seed in any failure. */
  private static void withSeed(long seed, Body body) {
    try {
      body.run();
    } catch (Throwable t) {
      throw new AssertionError(
          "failed with seed " + seed + " (rerun with -Dcrash.seed=" + seed + "): " + t.getMessage(),
          t);
    }
  }

  /**
   * Milliseconds since t0, for the report. Not asserted: speed belongs to benchmarks, and a
   * Chronicle lock left behind would fail the append itself (after its 15 s timeout).
   */
  private static long checkRecoveryTime(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  private static ChronicleLogStore open(Path data) {
    return ChronicleLogStore.open(
        data,
        CrashChild.CLUSTER,
        CrashChild.NODE,
        new ChronicleLogStore.Options(true, CrashChild.SEGMENT_BYTES));
  }

  private static void createLog(Path data) {
    try (ChronicleLogStore s = open(data)) {
      assertEquals(0, s.lastIndex());
    }
  }

  private static void reopenAndCheck(Path data, ExpectedLog model, String context) {
    try (ChronicleLogStore s = open(data)) {
      model.verifyExact(s, context);
    }
  }

  private static void write(ChronicleLogStore s, ExpectedLog model, List<Entry> entries) {
    s.append(entries);
    s.sync();
    model.applyEntries(entries);
    assertEquals(model.lastIndex(), s.lastIndex(), "last index after appending");
  }

  /** The recovered log is usable: a few entries go on after it (checked after the next reopen). */
  private static void appendSome(ChronicleLogStore store, ExpectedLog model, SplittableRandom rnd) {
    long term = Math.max(Math.max(model.lastTerm(), model.hardState().getTerm()), 1);
    write(store, model, batch(store.lastIndex() + 1, 1 + rnd.nextInt(5), term, rnd));
  }

  private static List<Entry> batch(long from, int n, long term, SplittableRandom rnd) {
    List<Entry> out = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      byte[] data = new byte[rnd.nextInt(CrashChild.MAX_DATA + 1)];
      for (int j = 0; j < data.length; j++) data[j] = (byte) rnd.nextInt();
      out.add(
          Entry.newBuilder()
              .setIndex(from + k)
              .setTerm(term)
              .setType(EntryType.ENTRY_NORMAL)
              .setData(ByteString.copyFrom(data))
              .build());
    }
    return out;
  }

  /**
   * When to kill a child: once it has printed the trigger line ({@code O} open starts, {@code S}
   * opened, the {@code persisted}-th {@code P}, or {@code B} paused), and then extraLines more
   * lines.
   */
  record KillPlan(char trigger, int persisted, int extraLines) {
    @Override
    public String toString() {
      String at =
          switch (trigger) {
            case 'O' -> "as it starts opening the log";
            case 'S' -> "after it opened the log";
            case 'P' -> "after " + persisted + " P lines";
            default -> "after line " + trigger;
          };
      return at + " +" + extraLines + " lines";
    }
  }

  /**
   * A running {@link CrashChild}: a reader thread feeds its stdout line by line into the model and
   * sends SIGKILL as soon as the {@link KillPlan} is met, so that the kill lands close behind the
   * line that triggered it (often inside the write it announces). Closing it kills the child if
   * still alive.
   */
  static final class Child implements AutoCloseable {
    private final Process process;
    private final Path stderr;
    private final KillPlan plan;
    private final Thread reader;
    private final ArrayDeque<String> recent = new ArrayDeque<>();
    // Guarded by this.
    private int lines;
    private int persisted;

    /** Line count at which to kill; -1 until the plan's trigger is seen. */
    private int killAt = -1;

    private boolean killed;
    private boolean eof;
    private Throwable readerError;

    private Child(Process process, Path stderr, KillPlan plan, ExpectedLog model) {
      this.process = process;
      this.stderr = stderr;
      this.plan = plan;
      this.reader = new Thread(() -> read(model), "crash-child-reader");
      reader.setDaemon(true);
    }

    static Child start(
        Path data,
        Path stderr,
        long seed,
        int overwritePercent,
        String mode,
        KillPlan plan,
        ExpectedLog model)
        throws IOException {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(ChronicleJvmArgs.ofThisJvm());
      cmd.addAll(
          List.of(
              "-Xmx128m",
              "-XX:+UseSerialGC",
              "-XX:TieredStopAtLevel=1",
              "-cp",
              System.getProperty("java.class.path"),
              CrashChild.class.getName(),
              data.toString(),
              Long.toString(seed),
              Integer.toString(overwritePercent),
              mode,
              mode.equals("tear") ? "5" : "1000000"));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(stderr.toFile());
      Child c = new Child(pb.start(), stderr, plan, model);
      c.reader.start();
      return c;
    }

    private void read(ExpectedLog model) {
      try (BufferedReader in =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
        String line;
        while ((line = in.readLine()) != null) {
          synchronized (this) {
            recent.addLast(line.length() > 200 ? line.substring(0, 200) + "..." : line);
            if (recent.size() > 12) recent.removeFirst();
            model.onLine(line);
            lines++;
            char kind = line.charAt(0);
            if (kind == 'P') persisted++;
            if (killAt < 0
                && kind == plan.trigger()
                && (kind != 'P' || persisted >= plan.persisted())) {
              killAt = lines + plan.extraLines();
            }
            if (!killed && killAt >= 0 && lines >= killAt) {
              // NB: ProcessHandle's destroyForcibly (SIGKILL on Linux), not Process's: the latter
              // also
              // closes our end of the child's stdout and loses the lines still in the pipe.
              process.toHandle().destroyForcibly();
              killed = true;
            }
            notifyAll();
          }
        }
      } catch (Throwable t) {
        synchronized (this) {
          readerError = t;
        }
      } finally {
        synchronized (this) {
          eof = true;
          notifyAll();
        }
      }
    }

    /**
     * Waits until the reader has killed the child, then for the process to end and its output to be
     * read.
     */
    void awaitDeath() throws InterruptedException {
      long deadline = System.nanoTime() + CHILD_TIMEOUT.toNanos();
      synchronized (this) {
        while (!killed) {
          if (readerError != null)
            throw new AssertionError(
                "bad output from the child: " + readerError + describe(), readerError);
          if (eof) fail("the child exited before it could be killed " + plan + describe());
          long left = deadline - System.nanoTime();
          if (left <= 0)
            fail(
                "timed out after "
                    + CHILD_TIMEOUT.toSeconds()
                    + " s waiting to kill the child "
                    + plan
                    + describe());
          TimeUnit.NANOSECONDS.timedWait(this, left);
        }
      }
      if (!process.waitFor(CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
        fail("the child did not die" + describe());
      if (process.exitValue() != 128 + 9)
        fail(
            "the child exited with status "
                + process.exitValue()
                + ", not by SIGKILL"
                + describe());
      reader.join(CHILD_TIMEOUT.toMillis());
      synchronized (this) {
        if (!eof) fail("the child's stdout is still open after its death" + describe());
        if (readerError != null)
          throw new AssertionError(
              "bad output from the child: " + readerError + describe(), readerError);
      }
    }

    private String describe() {
      String err;
      try {
        List<String> all = Files.readAllLines(stderr, StandardCharsets.UTF_8);
        err = String.join("\n  ", all.subList(Math.max(0, all.size() - 30), all.size()));
      } catch (IOException e) {
        err = "(cannot read " + stderr + ": " + e + ")";
      }
      synchronized (this) {
        return "\nlast lines from the child:\n  "
            + String.join("\n  ", recent)
            + "\nits stderr:\n  "
            + err;
      }
    }

    @Override
    public void close() throws IOException {
      try {
        if (process.isAlive()) {
          process.destroyForcibly();
          process.waitFor(CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
        reader.join(CHILD_TIMEOUT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        process.getOutputStream().close();
      }
    }
  }
}
