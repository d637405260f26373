package io.raftjvm.counter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.counter.tools.HistoryRecord.Status;
import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The --history line format and the writer that keeps it off the hot path. */
class HistoryTest {
  @TempDir Path tmp;

  @Test
  void addOk() {
    assertEquals(
        "{\"process\":3,\"op\":\"add\",\"delta\":1,\"value\":42,\"invoke\":1000,"
            + "\"complete\":2500,\"status\":\"ok\"}",
        HistoryRecord.add(3, 1, 1000, 2500, Status.OK, 42).toJson());
  }

  @Test
  void addWithUnknownOutcomeHasNoValue() {
    assertEquals(
        "{\"process\":0,\"op\":\"add\",\"delta\":1,\"invoke\":-5,\"complete\":7,"
            + "\"status\":\"timeout\"}",
        HistoryRecord.add(0, 1, -5, 7, Status.TIMEOUT, 99).toJson());
  }

  @Test
  void failedAddHasNoValue() {
    assertEquals(
        "{\"process\":255,\"op\":\"add\",\"delta\":-2,\"invoke\":1,\"complete\":2,"
            + "\"status\":\"fail\"}",
        HistoryRecord.add(255, -2, 1, 2, Status.FAIL, 0).toJson());
  }

  @Test
  void getHasNoDelta() {
    assertEquals(
        "{\"process\":1,\"op\":\"get\",\"value\":-9,\"invoke\":10,\"complete\":20,"
            + "\"status\":\"ok\"}",
        HistoryRecord.get(1, 10, 20, Status.OK, -9).toJson());
    assertEquals(
        "{\"process\":1,\"op\":\"get\",\"invoke\":10,\"complete\":20," + "\"status\":\"fail\"}",
        HistoryRecord.get(1, 10, 20, Status.FAIL, 0).toJson());
  }

  @Test
  void writesEveryRecordAsALineAndRunsEveryContinuation() throws Exception {
    StringWriter out = new StringWriter();
    AtomicInteger continued = new AtomicInteger();
    try (HistoryWriter w = new HistoryWriter(out, 1024)) {
      for (int i = 0; i < 100; i++) {
        w.submit(HistoryRecord.add(i, 1, i, i + 1, Status.OK, i + 1), continued::incrementAndGet);
      }
    }
    String[] lines = out.toString().split("\n");
    assertEquals(100, lines.length);
    for (int i = 0; i < 100; i++) {
      assertEquals(HistoryRecord.add(i, 1, i, i + 1, Status.OK, i + 1).toJson(), lines[i]);
    }
    assertEquals(100, continued.get());
  }

  /** A full queue parks the caller's continuation instead of blocking; nothing is lost. */
  @Test
  void aFullQueueParksTheWorkerInsteadOfBlocking() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    // A writer whose first write blocks until released: the queue (capacity 1) fills up.
    Writer slow =
        new Writer() {
          private final StringBuilder sb = new StringBuilder();
          private boolean first = true;

          @Override
          public void write(char[] cbuf, int off, int len) throws IOException {
            if (first) {
              first = false;
              try {
                release.await();
              } catch (InterruptedException e) {
                throw new IOException(e);
              }
            }
            sb.append(cbuf, off, len);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}

          @Override
          public String toString() {
            return sb.toString();
          }
        };
    AtomicInteger ranInline = new AtomicInteger();
    List<String> ranOn = new ArrayList<>();
    CountDownLatch allContinued = new CountDownLatch(50);
    HistoryWriter w = new HistoryWriter(slow, 1);
    Thread caller = Thread.currentThread();
    for (int i = 0; i < 50; i++) {
      w.submit(
          HistoryRecord.get(i, 0, 1, Status.OK, i),
          () -> {
            if (Thread.currentThread() == caller) {
              ranInline.incrementAndGet();
            } else {
              synchronized (ranOn) {
                ranOn.add(Thread.currentThread().getName());
              }
            }
            allContinued.countDown();
          });
    }
    // submit() returned 50 times while the writer was stuck: it never blocked
    assertTrue(ranInline.get() < 50, "some continuations were parked");
    release.countDown();
    assertTrue(allContinued.await(30, TimeUnit.SECONDS));
    w.close();
    assertEquals(50, w.written());
    assertEquals(50 - ranInline.get(), w.parkedCount());
    assertTrue(ranOn.stream().allMatch(n -> n.equals("counter-bench-history")), ranOn.toString());
    assertEquals(50, slow.toString().split("\n").length);
  }

  @Test
  void writesToAFile() throws Exception {
    Path file = tmp.resolve("h.jsonl");
    try (HistoryWriter w = HistoryWriter.open(file, 16)) {
      w.submit(HistoryRecord.add(0, 1, 1, 2, Status.OK, 1), () -> {});
      w.submit(HistoryRecord.get(1, 3, 4, Status.TIMEOUT, 0), () -> {});
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertEquals(
        List.of(
            HistoryRecord.add(0, 1, 1, 2, Status.OK, 1).toJson(),
            HistoryRecord.get(1, 3, 4, Status.TIMEOUT, 0).toJson()),
        lines);
  }

  @Test
  void aWriteFailureIsReportedAtCloseAndNoWorkerStaysParked() throws Exception {
    Writer broken =
        new Writer() {
          @Override
          public void write(char[] cbuf, int off, int len) throws IOException {
            throw new IOException("disk full");
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    CountDownLatch continued = new CountDownLatch(20);
    HistoryWriter w = new HistoryWriter(broken, 1);
    for (int i = 0; i < 20; i++) {
      w.submit(HistoryRecord.get(i, 0, 1, Status.OK, i), continued::countDown);
    }
    assertTrue(continued.await(30, TimeUnit.SECONDS));
    IOException e = assertThrows(IOException.class, w::close);
    assertEquals("disk full", e.getMessage());
  }
}
