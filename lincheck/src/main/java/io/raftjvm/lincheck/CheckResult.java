package io.raftjvm.lincheck;

import java.util.List;
import java.util.Locale;

/**
 * What the {@link LinearizabilityChecker} found. For a violation: the first window no order
 * explains (the operation whose return could not be placed, the operations pending then, the last
 * ones placed before and the model's state there). Immutable.
 */
public final class CheckResult {
  /** The answer. */
  public enum Verdict {
    LINEARIZABLE("linearizable"),
    NOT_LINEARIZABLE("NOT linearizable"),
    UNKNOWN("unknown: the search ran out of time");

    private final String text;

    Verdict(String text) {
      this.text = text;
    }

    public String text() {
      return text;
    }
  }

  private final Verdict verdict;
  private final String model;
  private final long operations;
  private final long unknown;
  private final long elapsedMillis;
  private final long origin;
  private final Operation stuck;
  private final List<Operation> window;
  private final List<Operation> placedBefore;
  private final long stateBefore;

  CheckResult(
      Verdict verdict,
      String model,
      long operations,
      long unknown,
      long elapsedMillis,
      long origin,
      Operation stuck,
      List<Operation> window,
      List<Operation> placedBefore,
      long stateBefore) {
    this.verdict = verdict;
    this.model = model;
    this.operations = operations;
    this.unknown = unknown;
    this.elapsedMillis = elapsedMillis;
    this.origin = origin;
    this.stuck = stuck;
    this.window = List.copyOf(window);
    this.placedBefore = List.copyOf(placedBefore);
    this.stateBefore = stateBefore;
  }

  public boolean linearizable() {
    return verdict == Verdict.LINEARIZABLE;
  }

  public Verdict verdict() {
    return verdict;
  }

  /** Operations in the history, unknown ones among them, and the search's time. */
  public long operations() {
    return operations;
  }

  public long unknown() {
    return unknown;
  }

  public long elapsedMillis() {
    return elapsedMillis;
  }

  /** The operations of the first window no order explains (empty unless not linearizable). */
  public List<Operation> window() {
    return window;
  }

  /** Window start and end in ms from the history's first call. */
  public double windowStartMillis() {
    return window.stream().mapToLong(Operation::invoke).min().orElse(origin) / 1e6 - origin / 1e6;
  }

  public double windowEndMillis() {
    return stuck == null ? windowStartMillis() : (stuck.complete() - origin) / 1e6;
  }

  /** A summary line, then for a violation the window's operations, one per line. */
  public String explain() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%s (%s model): %d operations, %d of unknown outcome, checked in %.1f s",
            verdict.text(),
            model,
            operations,
            unknown,
            elapsedMillis / 1e3));
    if (verdict != Verdict.NOT_LINEARIZABLE) return sb.toString();
    sb.append(
        String.format(
            Locale.ROOT,
            "; no order explains the window [%.3f, %.3f] ms",
            windowStartMillis(),
            windowEndMillis()));
    if (stuck != null) sb.append(": ").append(stuck.describe(origin)).append(" cannot return");
    sb.append('\n');
    sb.append(
        String.format(
            Locale.ROOT, "  the state before the window's operations, at best: %d%n", stateBefore));
    sb.append("  last operations placed before it:\n");
    for (Operation o : placedBefore) sb.append("    ").append(o.describe(origin)).append('\n');
    sb.append("  operations in the window (pending, none of them can be placed next):\n");
    for (Operation o : window) sb.append("    ").append(o.describe(origin)).append('\n');
    return sb.toString().stripTrailing();
  }

  /** The model's name. */
  public String model() {
    return model;
  }

  /** The first call's time, which report times count from. */
  public long origin() {
    return origin;
  }

  /** The operation whose return could not be placed, or null. */
  public Operation stuck() {
    return stuck;
  }

  /** The last operations placed before the window. */
  public List<Operation> placedBefore() {
    return placedBefore;
  }

  /** The model's state before the window's operations, at best. */
  public long stateBefore() {
    return stateBefore;
  }

  @Override
  public String toString() {
    return explain();
  }
}
