package io.raftjvm.faults.suite;

import io.raftjvm.faults.nemesis.FaultEvent;
import io.raftjvm.faults.nemesis.FaultKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one schedule did and found.
 *
 * @param kinds and {@code duration}: what it ran with (its replay command repeats them)
 * @param events the faults injected, in order
 * @param operations every client operation in the history
 * @param acked adds acknowledged; {@code unknown} adds of unknown outcome; {@code failedAdds} adds
 *     certainly not applied
 * @param lost acknowledged adds missing from the final value (start + acked - final, when positive)
 * @param linearizable the checker's verdict line; {@code linearizableOk} whether it passed
 * @param afterFault for each fault kind, the longest time from a fault's start to the next
 *     acknowledged add (ms); {@code afterHeal} the same from its healing
 * @param problems everything that makes the schedule fail, one line each (empty: passed)
 */
public record ScheduleResult(
    long seed,
    Set<FaultKind> kinds,
    Duration duration,
    Path dir,
    List<FaultEvent> events,
    long operations,
    long acked,
    long unknown,
    long failedAdds,
    long lost,
    boolean linearizableOk,
    String linearizable,
    Map<FaultKind, Long> afterFault,
    Map<FaultKind, Long> afterHeal,
    List<String> problems) {

  public boolean passed() {
    return problems.isEmpty();
  }

  /** Faults injected, by kind. */
  public Map<FaultKind, Integer> faultCounts() {
    Map<FaultKind, Integer> m = new EnumMap<>(FaultKind.class);
    for (FaultEvent e : events) m.merge(e.kind(), 1, Integer::sum);
    return m;
  }
}
