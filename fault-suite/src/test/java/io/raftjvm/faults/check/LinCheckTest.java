package io.raftjvm.faults.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.lincheck.Operation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The history parser and the lincheck command's exit codes and one-line errors. */
class LinCheckTest {
  @TempDir Path dir;

  private Path file(String... lines) throws IOException {
    Path f = dir.resolve("history.jsonl");
    Files.write(f, List.of(lines));
    return f;
  }

  @Test
  void parsesWhatTheBenchmarkWrites() throws IOException {
    List<Operation> ops =
        HistoryParser.read(
            file(
                "{\"process\":3,\"op\":\"add\",\"delta\":1,\"value\":7,\"invoke\":10,\"complete\":20,\"status\":\"ok\"}",
                "",
                "{\"process\":4,\"op\":\"get\",\"invoke\":11,\"complete\":30,\"status\":\"fail\"}",
                "{\"process\":5,\"op\":\"add\",\"delta\":1,\"invoke\":12,\"complete\":40,\"status\":\"timeout\"}"));
    assertEquals(3, ops.size());
    assertEquals(Operation.add(3, 1, 7, 10, 20, Operation.Status.OK), ops.get(0));
    assertEquals(Operation.Status.FAIL, ops.get(1).status());
    assertEquals(Operation.Status.UNKNOWN, ops.get(2).status());
  }

  @Test
  void aBadLineIsNamedByNumberAndProblem() throws IOException {
    Path f =
        file(
            "{\"process\":3,\"op\":\"add\",\"delta\":1,\"value\":7,\"invoke\":10,\"complete\":20,\"status\":\"ok\"}",
            "{\"process\":3,\"op\":\"ad\",\"delta\":1,\"invoke\":10,\"complete\":20,\"status\":\"ok\"}");
    HistoryParser.HistoryException e =
        assertThrows(HistoryParser.HistoryException.class, () -> HistoryParser.read(f));
    assertEquals("history.jsonl line 2: unknown op 'ad' (add, get, put, cas)", e.getMessage());
    assertThrows(HistoryParser.HistoryException.class, () -> HistoryParser.parse("{\"process\":1"));
    assertThrows(
        HistoryParser.HistoryException.class,
        () ->
            HistoryParser.parse(
                "{\"process\":1,\"op\":\"get\",\"invoke\":9,\"complete\":2,\"status\":\"ok\",\"value\":1}"));
    assertThrows(
        HistoryParser.HistoryException.class,
        () ->
            HistoryParser.parse(
                "{\"process\":1,\"op\":\"add\",\"delta\":1,\"invoke\":1,\"complete\":2,\"status\":\"ok\"}"));
  }

  @Test
  void exitCodesTellTheVerdict() throws IOException {
    Path good =
        file(
            "{\"process\":0,\"op\":\"add\",\"delta\":1,\"value\":1,\"invoke\":0,\"complete\":10,\"status\":\"ok\"}",
            "{\"process\":1,\"op\":\"get\",\"value\":1,\"invoke\":20,\"complete\":30,\"status\":\"ok\"}");
    assertEquals(0, run(good).code);
    Path stale = dir.resolve("stale.jsonl");
    Files.write(
        stale,
        List.of(
            "{\"process\":0,\"op\":\"add\",\"delta\":1,\"value\":1,\"invoke\":0,\"complete\":10,\"status\":\"ok\"}",
            "{\"process\":1,\"op\":\"get\",\"value\":0,\"invoke\":20,\"complete\":30,\"status\":\"ok\"}"));
    Result r = run(stale);
    assertEquals(1, r.code);
    assertTrue(r.out.startsWith("NOT linearizable"), r.out);
    Result json = run("--json", stale.toString());
    assertTrue(json.out.contains("\"verdict\":\"not_linearizable\""), json.out);
  }

  @Test
  void badInputIsExitThreeWithOneLine() throws IOException {
    Result missing = run(dir.resolve("nope.jsonl").toString());
    assertEquals(3, missing.code);
    assertTrue(
        missing.err.strip().lines().count() == 1 && missing.err.contains("nope.jsonl"),
        missing.err);
    Result bad =
        run(
            file(
                "{\"process\":3,\"op\":\"add\",\"delta\":1,\"invoke\":1,\"complete\":2,\"status\":\"maybe\"}"));
    assertEquals(3, bad.code);
    assertEquals(
        "lincheck: history.jsonl line 1: unknown status 'maybe' (ok, fail, timeout)",
        bad.err.strip());
    assertEquals(3, run("--model", "queue", dir.resolve("history.jsonl").toString()).code);
    assertEquals(3, run("--time-limit", "soon", dir.resolve("history.jsonl").toString()).code);
  }

  private record Result(int code, String out, String err) {}

  private static Result run(Path file) {
    return run(file.toString());
  }

  private static synchronized Result run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int code = LinCheck.run(args);
      return new Result(
          code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }
}
