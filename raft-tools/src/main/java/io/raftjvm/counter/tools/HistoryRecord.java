package io.raftjvm.counter.tools;

/**
 * One completed operation of the benchmark, as written to {@code --history FILE}: one JSON object
 * per line with exactly the keys {@code process}, {@code op}, {@code delta} (adds only), {@code
 * value} (only when ok), {@code invoke}, {@code complete} (System.nanoTime of the call and of its
 * completion) and {@code status}. Immutable.
 */
public final class HistoryRecord {
  /** How an operation ended. */
  public enum Status {
    /** Acknowledged; {@code value} is the counter after the add, or the value read. */
    OK("ok"),
    /** Certainly had no effect (refused, never sent, or a read that failed). */
    FAIL("fail"),
    /** Unknown: an add may or may not have been applied (no answer in time, connection lost...). */
    TIMEOUT("timeout");

    private final String json;

    Status(String json) {
      this.json = json;
    }

    public String json() {
      return json;
    }
  }

  final int process;
  final boolean add;
  final long delta;
  final boolean hasValue;
  final long value;
  final long invoke;
  final long complete;
  final Status status;

  private HistoryRecord(
      int process,
      boolean add,
      long delta,
      boolean hasValue,
      long value,
      long invoke,
      long complete,
      Status status) {
    this.process = process;
    this.add = add;
    this.delta = delta;
    this.hasValue = hasValue;
    this.value = value;
    this.invoke = invoke;
    this.complete = complete;
    this.status = status;
  }

  /** An add; {@code value} is used only when the status is OK. */
  public static HistoryRecord add(
      int process, long delta, long invoke, long complete, Status status, long value) {
    return new HistoryRecord(
        process, true, delta, status == Status.OK, value, invoke, complete, status);
  }

  /** A get; {@code value} is used only when the status is OK. */
  public static HistoryRecord get(
      int process, long invoke, long complete, Status status, long value) {
    return new HistoryRecord(
        process, false, 0, status == Status.OK, value, invoke, complete, status);
  }

  /** Appends the JSON line, without the line break. */
  public void appendJson(StringBuilder sb) {
    sb.append("{\"process\":")
        .append(process)
        .append(",\"op\":\"")
        .append(add ? "add" : "get")
        .append('"');
    if (add) {
      sb.append(",\"delta\":").append(delta);
    }
    if (hasValue) {
      sb.append(",\"value\":").append(value);
    }
    sb.append(",\"invoke\":")
        .append(invoke)
        .append(",\"complete\":")
        .append(complete)
        .append(",\"status\":\"")
        .append(status.json())
        .append("\"}");
  }

  public String toJson() {
    StringBuilder sb = new StringBuilder(128);
    appendJson(sb);
    return sb.toString();
  }

  @Override
  public String toString() {
    return toJson();
  }
}
