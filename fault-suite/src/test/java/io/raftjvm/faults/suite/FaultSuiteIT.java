package io.raftjvm.faults.suite;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.faults.nemesis.FaultKind;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CI's sample of the fault suite: short seeded schedules that together meet every fault kind, on
 * server processes started with bin/raft-node.sh in network namespaces of their own. Needs root and
 * iptables (.ci/run installs it); without them it fails with the one line saying what is missing.
 * The long runs are {@code bin/fault-suite.sh}.
 */
class FaultSuiteIT {
  private static final Duration DURATION = Duration.ofSeconds(40);

  @Test
  void sampleSchedulesCoveringEveryFaultKindLoseNoAcknowledgedWriteAndStayLinearizable(
      @TempDir Path dir) throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    assertTrue(
        Files.isExecutable(root.resolve("bin/raft-node.sh")), "no bin/raft-node.sh under " + root);
    List<Set<FaultKind>> sample =
        List.of(
            EnumSet.of(FaultKind.PARTITION, FaultKind.PAUSE),
            EnumSet.of(FaultKind.LINK, FaultKind.KILL),
            EnumSet.of(FaultKind.MEMBERSHIP, FaultKind.DISK, FaultKind.KILL),
            EnumSet.allOf(FaultKind.class));
    PrintWriter out =
        new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, UTF_8)), true);
    Report report = new Report(out, "--concurrency 16 --reads 20");
    List<String> failures = new ArrayList<>();
    long seed = 7001;
    for (Set<FaultKind> kinds : sample) {
      Path d = dir.resolve("schedule-" + seed);
      ScheduleResult r =
          new Schedule(new Schedule.Settings(seed, DURATION, kinds, 16, 20, root, d), out).run();
      report.schedule(r);
      if (!r.passed()) failures.add("schedule " + seed + " " + kinds + ": " + r.problems());
      seed++;
    }
    report.totals();
    assertTrue(failures.isEmpty(), String.join("\n", failures));
  }
}
