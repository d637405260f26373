package io.raftjvm.faults.suite;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.raftjvm.counter.tools.DurationConverter;
import io.raftjvm.faults.host.HostException;
import io.raftjvm.faults.nemesis.FaultKind;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/fault-suite.sh}: runs seeded fault schedules against real server processes, each in
 * its own network namespace, and prints a table per schedule and the totals. A failing schedule
 * keeps its directory (histories, node logs) and prints the command that replays its seed.
 */
@Command(
    name = "fault-suite.sh",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs N fault schedules against local server processes, each server in its own network namespace,"
          + " while the counter benchmark records every operation; checks every history for linearizability and lost"
          + " writes. Needs root (namespaces, iptables, tmpfs). Schedule i uses seed S+i."
    },
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
      "0:every schedule passed",
      "1:a schedule failed",
      "2:usage error, or the host cannot run the suite"
    })
public final class FaultSuite implements Callable<Integer> {
  @Option(
      names = "--schedules",
      defaultValue = "1",
      paramLabel = "N",
      description = "Schedules to run (default: 1).")
  int schedules;

  @Option(
      names = "--seed",
      defaultValue = "1",
      paramLabel = "S",
      description = "Seed of the first schedule (default: 1).")
  long seed;

  @Option(
      names = "--duration",
      defaultValue = "60s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description =
          "Length of each schedule's benchmark, faults and recovery included, e.g. 60s, 2m (default: 60s).")
  Duration duration;

  @Option(
      names = "--faults",
      defaultValue = "partition,link,kill,pause,membership,disk",
      paramLabel = "KINDS",
      description =
          "Fault kinds, comma-separated: partition, link, kill, pause, membership, disk (default: all).")
  String faults;

  @Option(
      names = "--concurrency",
      defaultValue = "16",
      paramLabel = "N",
      description = "Operations the benchmark keeps outstanding (default: 16).")
  int concurrency;

  @Option(
      names = "--reads",
      defaultValue = "20",
      paramLabel = "PERCENT",
      description = "Share of linearizable reads among the operations (default: 20).")
  int reads;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description =
          "Where schedules keep their files (default: a new"
              + " directory under /tmp). Passing schedules' directories are removed unless --keep.")
  Path out;

  @Option(names = "--keep", description = "Keep every schedule's directory, not only failing ones.")
  boolean keep;

  @Option(
      names = "--dist",
      paramLabel = "DIR",
      hidden = true,
      description = "The tree whose bin/ and dist/ run.")
  Path dist;

  private final PrintWriter stdout =
      new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, UTF_8)), true);

  public static void main(String[] args) {
    System.exit(new CommandLine(new FaultSuite()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Set<FaultKind> kinds;
    try {
      kinds = FaultKind.parse(faults);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--faults: " + e.getMessage());
    }
    if (schedules < 1 || concurrency < 1 || reads < 0 || reads > 100 || duration.toSeconds() < 20) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "--schedules and --concurrency must be at least 1, --reads 0 to 100, --duration at least 20s");
    }
    Path root =
        dist != null
            ? dist
            : Path.of(System.getProperty("raft.home", ".")).toAbsolutePath().normalize();
    Path base = out != null ? out : Files.createTempDirectory("fault-suite-");
    Report report =
        new Report(
            stdout,
            "--concurrency "
                + concurrency
                + " --reads "
                + reads
                + (dist != null ? " --dist " + dist : ""));
    for (int i = 0; i < schedules; i++) {
      long s = seed + i;
      Path dir = base.resolve("schedule-" + s);
      ScheduleResult r;
      try {
        r =
            new Schedule(
                    new Schedule.Settings(s, duration, kinds, concurrency, reads, root, dir),
                    stdout)
                .run();
      } catch (HostException e) {
        System.err.println("fault-suite: " + e.getMessage());
        return 2;
      }
      report.schedule(r);
      if (r.passed() && !keep) delete(dir);
    }
    return report.totals() ? 0 : 1;
  }

  static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
