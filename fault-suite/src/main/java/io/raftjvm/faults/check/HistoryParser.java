package io.raftjvm.faults.check;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.raftjvm.lincheck.Operation;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a history written by {@code counter-bench --history}: one JSON object per line with {@code
 * process}, {@code op} (add, get; put and cas for registers), {@code delta} (adds), {@code arg}
 * (put, cas), {@code expect} (cas), {@code value} (when ok: an add's new value, a get's read),
 * {@code invoke} and {@code complete} (nanoseconds) and {@code status} (ok, fail, timeout: the
 * outcome is unknown). Blank lines are skipped; anything else malformed is an error naming the
 * line.
 */
public final class HistoryParser {
  private static final ObjectMapper JSON = new ObjectMapper();

  private HistoryParser() {}

  /** The operations of file, in file order. */
  public static List<Operation> read(Path file) throws IOException {
    List<Operation> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) continue;
        try {
          out.add(parse(line));
        } catch (HistoryException e) {
          throw new HistoryException(file.getFileName() + " line " + n + ": " + e.getMessage());
        }
      }
    }
    return out;
  }

  /** One line. */
  public static Operation parse(String line) {
    JsonNode o;
    try {
      o = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new HistoryException("not JSON: " + e.getOriginalMessage());
    }
    if (o == null || !o.isObject()) throw new HistoryException("not a JSON object");
    int process = (int) number(o, "process");
    long invoke = number(o, "invoke");
    long complete = number(o, "complete");
    if (complete < invoke)
      throw new HistoryException("complete " + complete + " before invoke " + invoke);
    Operation.Status status =
        switch (text(o, "status")) {
          case "ok" -> Operation.Status.OK;
          case "fail" -> Operation.Status.FAIL;
          case "timeout", "unknown", "info" -> Operation.Status.UNKNOWN;
          default ->
              throw new HistoryException(
                  "unknown status '" + text(o, "status") + "' (ok, fail, timeout)");
        };
    boolean ok = status == Operation.Status.OK;
    String op = text(o, "op");
    return switch (op) {
      case "add" ->
          Operation.add(
              process, number(o, "delta"), ok ? number(o, "value") : 0, invoke, complete, status);
      case "get" -> Operation.get(process, ok ? number(o, "value") : 0, invoke, complete, status);
      case "put" -> Operation.put(process, number(o, "arg"), invoke, complete, status);
      case "cas" ->
          Operation.cas(process, number(o, "expect"), number(o, "arg"), invoke, complete, status);
      default -> throw new HistoryException("unknown op '" + op + "' (add, get, put, cas)");
    };
  }

  private static long number(JsonNode o, String key) {
    JsonNode v = o.get(key);
    if (v == null) throw new HistoryException("no '" + key + "'");
    if (!v.isIntegralNumber() || !v.canConvertToLong())
      throw new HistoryException("'" + key + "' is not an integer: " + v);
    return v.longValue();
  }

  private static String text(JsonNode o, String key) {
    JsonNode v = o.get(key);
    if (v == null) throw new HistoryException("no '" + key + "'");
    if (!v.isTextual()) throw new HistoryException("'" + key + "' is not a string: " + v);
    return v.textValue();
  }

  /** A history that cannot be read; the message names the line and the problem. */
  public static final class HistoryException extends IllegalArgumentException {
    public HistoryException(String message) {
      super(message);
    }
  }
}
