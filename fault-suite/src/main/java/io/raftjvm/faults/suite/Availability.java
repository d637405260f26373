package io.raftjvm.faults.suite;

import io.raftjvm.faults.nemesis.FaultEvent;
import io.raftjvm.faults.nemesis.FaultKind;
import io.raftjvm.lincheck.Operation;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * How long writes were unavailable after each fault: the time from a fault's start, and from its
 * healing, to the next successful write, that is the first acknowledgement of an add called at or
 * after that moment (an add already committed when the fault struck says nothing of the cluster
 * after it). Works on System.nanoTime values of the suite and of the benchmark process, which share
 * the machine's monotonic clock.
 */
final class Availability {
  /** Call times of acknowledged adds, sorted. */
  private final long[] invoked;

  /** earliest[i]: the first completion among the adds invoked[i..]. */
  private final long[] earliest;

  /** When the history ends: a fault after the last acknowledgement counts until here. */
  private final long end;

  Availability(List<Operation> history) {
    List<Operation> acked =
        history.stream()
            .filter(o -> o.ok() && o.kind() == Operation.Kind.ADD)
            .sorted(java.util.Comparator.comparingLong(Operation::invoke))
            .toList();
    this.invoked = acked.stream().mapToLong(Operation::invoke).toArray();
    this.earliest = new long[acked.size()];
    long min = Long.MAX_VALUE;
    for (int i = acked.size() - 1; i >= 0; i--) {
      min = Math.min(min, acked.get(i).complete());
      earliest[i] = min;
    }
    this.end = history.stream().mapToLong(Operation::complete).max().orElse(0);
  }

  /**
   * Milliseconds from t to the first acknowledgement of an add called at or after t (to the
   * history's end if none came).
   */
  long millisToNextWrite(long t) {
    int i = Arrays.binarySearch(invoked, t);
    while (i > 0 && invoked[i - 1] == t) i--;
    int at = i >= 0 ? i : -i - 1;
    long next = at < invoked.length ? earliest[at] : Math.max(end, t);
    return (next - t) / 1_000_000;
  }

  /** For each kind, the longest wait after a fault's start. */
  Map<FaultKind, Long> worstAfterStart(List<FaultEvent> events) {
    Map<FaultKind, Long> m = new EnumMap<>(FaultKind.class);
    for (FaultEvent e : events) m.merge(e.kind(), millisToNextWrite(e.startNanos()), Math::max);
    return m;
  }

  /** For each kind, the longest wait after a fault's healing. */
  Map<FaultKind, Long> worstAfterHeal(List<FaultEvent> events) {
    Map<FaultKind, Long> m = new EnumMap<>(FaultKind.class);
    for (FaultEvent e : events) m.merge(e.kind(), millisToNextWrite(e.healNanos()), Math::max);
    return m;
  }
}
