package io.raftjvm.lincheck;

/**
 * One client operation of a history: who ran it, what it asked, what it was told, and when.
 *
 * @param process the client slot that ran it (one operation at a time per process)
 * @param kind what it did
 * @param delta an add's increment
 * @param arg the value a put or cas writes
 * @param expect the value a cas expects
 * @param value with {@code hasValue}: what an ok add returned (the counter after it) or a get read
 * @param invoke and {@code complete}: System.nanoTime at the call and at its outcome
 * @param status OK (acknowledged), FAIL (certainly no effect), UNKNOWN (may or may not have taken
 *     effect, at any time after its invocation)
 */
public record Operation(
    int process,
    Kind kind,
    long delta,
    long arg,
    long expect,
    long value,
    boolean hasValue,
    long invoke,
    long complete,
    Status status) {

  /** What an operation does. */
  public enum Kind {
    /** Counter: add delta, return the new value. */
    ADD,
    /** Counter or register: read. */
    GET,
    /** Register: write arg. */
    PUT,
    /** Register: write arg if the value is expect; ok means it did. */
    CAS
  }

  /** How an operation ended. */
  public enum Status {
    OK,
    FAIL,
    UNKNOWN
  }

  public boolean ok() {
    return status == Status.OK;
  }

  /** An add; value counts only when ok. */
  public static Operation add(
      int process, long delta, long value, long invoke, long complete, Status status) {
    return new Operation(
        process, Kind.ADD, delta, 0, 0, value, status == Status.OK, invoke, complete, status);
  }

  /** A get; value counts only when ok. */
  public static Operation get(int process, long value, long invoke, long complete, Status status) {
    return new Operation(
        process, Kind.GET, 0, 0, 0, value, status == Status.OK, invoke, complete, status);
  }

  public static Operation put(int process, long arg, long invoke, long complete, Status status) {
    return new Operation(process, Kind.PUT, 0, arg, 0, 0, false, invoke, complete, status);
  }

  public static Operation cas(
      int process, long expect, long arg, long invoke, long complete, Status status) {
    return new Operation(process, Kind.CAS, 0, arg, expect, 0, false, invoke, complete, status);
  }

  /** One line for reports, times in ms from origin: "p3 add 1 -> 42 ok [12.000, 13.500]". */
  public String describe(long originNanos) {
    StringBuilder sb = new StringBuilder("p").append(process).append(' ');
    switch (kind) {
      case ADD -> sb.append("add ").append(delta);
      case GET -> sb.append("get");
      case PUT -> sb.append("put ").append(arg);
      case CAS -> sb.append("cas ").append(expect).append("->").append(arg);
    }
    if (hasValue) sb.append(" -> ").append(value);
    sb.append(' ').append(status.name().toLowerCase(java.util.Locale.ROOT));
    sb.append(
        String.format(
            java.util.Locale.ROOT,
            " [%.3f, %s] ms",
            (invoke - originNanos) / 1e6,
            status == Status.UNKNOWN
                ? "open"
                : String.format(java.util.Locale.ROOT, "%.3f", (complete - originNanos) / 1e6)));
    return sb.toString();
  }
}
