package io.raftjvm.faults.suite;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.faults.nemesis.FaultEvent;
import io.raftjvm.faults.nemesis.FaultKind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {
  private static ScheduleResult result(
      long seed, long lost, boolean linearizable, List<String> problems) {
    return new ScheduleResult(
        seed,
        EnumSet.of(FaultKind.KILL, FaultKind.PAUSE),
        Duration.ofSeconds(60),
        Path.of("/tmp/x/schedule-" + seed),
        List.of(
            new FaultEvent(FaultKind.KILL, "SIGKILL server 1", 0, 60_000_000_000L),
            new FaultEvent(FaultKind.PAUSE, "SIGSTOP server 2", 0, 30_000_000_000L)),
        1_000,
        800,
        3,
        2,
        lost,
        linearizable,
        linearizable ? "linearizable" : "NOT linearizable",
        Map.of(FaultKind.KILL, 2_500L, FaultKind.PAUSE, 1_200L),
        Map.of(FaultKind.KILL, 300L, FaultKind.PAUSE, 100L),
        problems);
  }

  @Test
  void aFailingScheduleSaysWhatFailedWhereItsFilesAreAndHowToReplayIt() {
    StringWriter s = new StringWriter();
    Report r = new Report(new PrintWriter(s), "--concurrency 64 --reads 20");
    r.schedule(result(5, 0, true, List.of()));
    r.schedule(result(6, 2, false, List.of("2 acknowledged adds lost", "not linearizable: ...")));
    boolean allPassed = r.totals();
    String out = s.toString();
    assertFalse(allPassed, out);
    assertTrue(out.contains("schedule 5: PASSED"), out);
    assertTrue(out.contains("schedule 6: FAILED (kept in /tmp/x/schedule-6)"), out);
    assertTrue(out.contains("PROBLEM: 2 acknowledged adds lost"), out);
    assertTrue(
        out.contains(
            "replay:        bin/fault-suite.sh --schedules 1 --seed 6 --duration 60s --faults kill,pause"
                + " --concurrency 64 --reads 20"),
        out);
    assertFalse(out.contains("--seed 5 "), out);
    assertTrue(
        out.contains("2 schedules (1 failed), 4 faults (3.0 min of faults: kill 2, pause 2)"), out);
    assertTrue(out.contains("lost 2, linearizability violations 1"), out);
    assertTrue(
        out.contains(
            "worst unavailability: kill 2.5 s after the fault, 0.3 s after healing;"
                + " pause 1.2 s after the fault, 0.1 s after healing"),
        out);
  }

  @Test
  void allPassedIsTrue() {
    StringWriter s = new StringWriter();
    Report r = new Report(new PrintWriter(s), "");
    r.schedule(result(5, 0, true, List.of()));
    assertTrue(r.totals(), s.toString());
  }
}
