package io.raftjvm.faults.suite;

import io.raftjvm.faults.nemesis.FaultEvent;
import io.raftjvm.faults.nemesis.FaultKind;
import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The suite's tables: one block per schedule, and the totals of a run. */
final class Report {
  private final PrintWriter out;
  private final Map<FaultKind, Long> worstAfterFault = new EnumMap<>(FaultKind.class);
  private final Map<FaultKind, Long> worstAfterHeal = new EnumMap<>(FaultKind.class);
  private final Map<FaultKind, Integer> faults = new EnumMap<>(FaultKind.class);
  private long schedules;
  private long failedSchedules;
  private long operations;
  private long acked;
  private long unknown;
  private long lost;
  private long violations;
  private long faultNanos;

  /** Options of the run a replay must repeat ("--concurrency 64 --reads 20"), or "". */
  private final String replayOptions;

  Report(PrintWriter out, String replayOptions) {
    this.out = out;
    this.replayOptions = replayOptions.isEmpty() ? "" : " " + replayOptions;
  }

  void schedule(ScheduleResult r) {
    schedules++;
    operations += r.operations();
    acked += r.acked();
    unknown += r.unknown();
    lost += r.lost();
    if (!r.linearizableOk()) violations++;
    if (!r.passed()) failedSchedules++;
    for (FaultEvent e : r.events()) faultNanos += e.healNanos() - e.startNanos();
    r.faultCounts().forEach((k, n) -> faults.merge(k, n, Integer::sum));
    r.afterFault().forEach((k, ms) -> worstAfterFault.merge(k, ms, Math::max));
    r.afterHeal().forEach((k, ms) -> worstAfterHeal.merge(k, ms, Math::max));
    out.printf(
        Locale.ROOT,
        "schedule %d: %s%n",
        r.seed(),
        r.passed() ? "PASSED" : "FAILED (kept in " + r.dir() + ")");
    out.printf(Locale.ROOT, "  faults:        %s%n", counts(r.faultCounts()));
    out.printf(
        Locale.ROOT,
        "  operations:    %d; adds acknowledged %d, unknown %d, failed %d; lost %d%n",
        r.operations(),
        r.acked(),
        r.unknown(),
        r.failedAdds(),
        r.lost());
    out.printf(Locale.ROOT, "  linearizable:  %s%n", r.linearizable());
    out.printf(Locale.ROOT, "  unavailable:   %s%n", unavailability(r.afterFault(), r.afterHeal()));
    for (String p : r.problems()) out.printf(Locale.ROOT, "  PROBLEM: %s%n", p);
    if (!r.passed()) {
      out.printf(
          Locale.ROOT,
          "  replay:        bin/fault-suite.sh --schedules 1 --seed %d --duration %ds --faults %s%s%n",
          r.seed(),
          r.duration().toSeconds(),
          r.kinds().stream().map(FaultKind::label).collect(Collectors.joining(",")),
          replayOptions);
    }
    out.flush();
  }

  /** The run's totals; true when every schedule passed. */
  boolean totals() {
    out.printf(
        Locale.ROOT,
        "fault-suite: %d schedules (%d failed), %d faults (%.1f min of faults: %s), %d operations,"
            + " %d acknowledged adds, %d unknown, lost %d, linearizability violations %d%n",
        schedules,
        failedSchedules,
        faults.values().stream().mapToInt(Integer::intValue).sum(),
        faultNanos / 60e9,
        counts(faults),
        operations,
        acked,
        unknown,
        lost,
        violations);
    out.printf(
        Locale.ROOT,
        "fault-suite: worst unavailability: %s%n",
        unavailability(worstAfterFault, worstAfterHeal));
    out.flush();
    return failedSchedules == 0;
  }

  private static String counts(Map<FaultKind, Integer> m) {
    if (m.isEmpty()) return "none";
    StringBuilder sb = new StringBuilder();
    m.forEach(
        (k, n) -> sb.append(sb.length() == 0 ? "" : ", ").append(k.label()).append(' ').append(n));
    return sb.toString();
  }

  private static String unavailability(
      Map<FaultKind, Long> afterFault, Map<FaultKind, Long> afterHeal) {
    if (afterFault.isEmpty()) return "no fault";
    StringBuilder sb = new StringBuilder();
    afterFault.forEach(
        (k, ms) ->
            sb.append(sb.length() == 0 ? "" : "; ")
                .append(k.label())
                .append(' ')
                .append(seconds(ms))
                .append(" after the fault, ")
                .append(seconds(afterHeal.getOrDefault(k, 0L)))
                .append(" after healing"));
    return sb.toString();
  }

  private static String seconds(long ms) {
    return String.format(Locale.ROOT, "%.1f s", ms / 1e3);
  }
}
