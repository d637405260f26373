package io.raftjvm.faults.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.raftjvm.faults.check.HistoryParser;
import io.raftjvm.faults.cluster.Cluster;
import io.raftjvm.faults.cluster.ServerNode;
import io.raftjvm.faults.host.Disk;
import io.raftjvm.faults.nemesis.Fault;
import io.raftjvm.faults.nemesis.FaultEvent;
import io.raftjvm.faults.nemesis.FaultKind;
import io.raftjvm.faults.nemesis.Nemesis;
import io.raftjvm.lincheck.CheckResult;
import io.raftjvm.lincheck.CounterModel;
import io.raftjvm.lincheck.LinearizabilityChecker;
import io.raftjvm.lincheck.Operation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One seeded schedule: builds the network and the servers, runs the counter benchmark against them
 * for the duration (adds and linearizable reads, every operation in its history), injects faults
 * while it runs, heals everything for the last stretch, and checks: the benchmark's end
 * verification, acknowledged adds in the final value, and the history's linearizability.
 */
public final class Schedule {
  /** What a schedule runs. */
  public record Settings(
      long seed,
      Duration duration,
      Set<FaultKind> kinds,
      int concurrency,
      int readPercent,
      Path distRoot,
      Path dir) {}

  private static final int FOUNDERS = 3;
  private static final long DISK_BYTES = 256L << 20;
  private static final String JAVA_OPTS = "-Xms64m -Xmx512m";

  private final Settings s;
  private final PrintWriter log;

  public Schedule(Settings settings, PrintWriter log) {
    this.s = settings;
    this.log = log;
  }

  public ScheduleResult run() throws Exception {
    if (Files.exists(s.dir())) {
      // A schedule starts from empty servers: data left by an earlier run would bring back its
      // configuration (addresses included) from its log.
      log("removing %s, left by an earlier run", s.dir());
      FaultSuite.delete(s.dir());
    }
    Files.createDirectories(s.dir());
    List<FaultEvent> events = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    int spares = s.kinds().contains(FaultKind.MEMBERSHIP) ? 2 : 0;
    Disk disk = null;
    int diskHost = 1 + Math.floorMod(s.seed(), FOUNDERS);
    if (s.kinds().contains(FaultKind.DISK))
      disk = Disk.mount(s.dir().resolve("host" + diskHost), DISK_BYTES);
    Path history = s.dir().resolve("history.jsonl");
    Path summary = s.dir().resolve("bench.json");
    try (Cluster cluster =
        Cluster.start(s.dir(), s.distRoot(), FOUNDERS, spares, JAVA_OPTS, s.seed())) {
      await("a leader", Duration.ofSeconds(90), () -> cluster.leader() != null);
      Process bench = bench(cluster, history, summary);
      long start = System.nanoTime();
      long faultsEnd = start + s.duration().toNanos() - recovery().toNanos();
      Nemesis nemesis =
          new Nemesis(
              cluster,
              s.distRoot(),
              s.seed(),
              s.kinds(),
              disk == null ? null : cluster.node(diskHost),
              disk);
      sleep(2_000);
      while (System.nanoTime() < faultsEnd && bench.isAlive()) {
        FaultKind kind = nemesis.nextKind();
        Fault f = nemesis.inject(kind);
        if (f == null) continue;
        // The fault is in force from here (choosing its target took status calls): unavailability
        // counts from this moment, not from before the target was even known.
        long t0 = System.nanoTime();
        log("%6.1f s  %-10s %s", (t0 - start) / 1e9, kind.label(), f.describe());
        long hold =
            Math.min(
                nemesis.holdMillis(kind), Math.max(0, (faultsEnd - System.nanoTime()) / 1_000_000));
        if (kind != FaultKind.MEMBERSHIP && nemesis.churnDuringFault()) {
          // Membership churn while another fault runs: the change must go through, or fail
          // cleanly, with the cluster partitioned, a server paused or down.
          sleep(hold / 2);
          long tm = System.nanoTime();
          Fault m = nemesis.inject(FaultKind.MEMBERSHIP);
          if (m != null) {
            log(
                "%6.1f s  %-10s %s (during the %s fault)",
                (tm - start) / 1e9, "membership", m.describe(), kind.label());
            events.add(new FaultEvent(FaultKind.MEMBERSHIP, m.describe(), tm, System.nanoTime()));
          }
          sleep(Math.max(0, hold - hold / 2 - (System.nanoTime() - tm) / 1_000_000));
        } else {
          sleep(hold);
        }
        f.heal();
        events.add(new FaultEvent(kind, f.describe(), t0, System.nanoTime()));
        sleep(nemesis.quietMillis());
      }
      healAll(cluster, disk);
      log("%6.1f s  all healed; waiting for the benchmark", (System.nanoTime() - start) / 1e9);
      if (!bench.waitFor(s.duration().toSeconds() + 180, TimeUnit.SECONDS)) {
        bench.destroyForcibly();
        problems.add("the benchmark did not finish");
      }
      return check(events, history, summary, problems);
    } finally {
      if (disk != null) {
        keepLogs(disk.dir(), s.dir().resolve("host" + diskHost + "-logs"));
        disk.close();
      }
    }
  }

  /** Copies the server logs off a small disk before it is unmounted (and its files gone). */
  private static void keepLogs(Path from, Path to) {
    try (var files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String name = f.getFileName().toString();
        if (!Files.isRegularFile(f)
            || !(name.endsWith(".log") || name.endsWith(".out") || name.endsWith(".conf"))) {
          continue;
        }
        Path dest = to.resolve(from.relativize(f).toString());
        Files.createDirectories(dest.getParent());
        Files.copy(f, dest, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      // The run's verdict stands without them; say so in the run's output instead of failing it.
      System.err.println("fault-suite: could not keep the logs of " + from + ": " + e.getMessage());
    }
  }

  /**
   * The last part of the run has no fault: time for the cluster to recover before the end checks.
   */
  private Duration recovery() {
    return Duration.ofSeconds(Math.min(15, Math.max(5, s.duration().toSeconds() / 4)));
  }

  private Process bench(Cluster cluster, Path history, Path summary) throws IOException {
    List<String> cmd =
        List.of(
            s.distRoot().resolve("bin/counter-bench.sh").toString(),
            "--cluster",
            String.join(",", cluster.clientAddresses()),
            "--concurrency",
            Integer.toString(s.concurrency()),
            "--reads",
            Integer.toString(s.readPercent()),
            "--duration",
            s.duration().toSeconds() + "s",
            "--warmup",
            "0s",
            "--timeout",
            "5s",
            "--verify-timeout",
            "90s",
            "--history",
            history.toString(),
            "--json");
    return new ProcessBuilder(cmd)
        .redirectOutput(summary.toFile())
        .redirectError(s.dir().resolve("bench.err").toFile())
        .start();
  }

  /**
   * Every fault undone: rules flushed, links normal, paused servers continued, stopped ones
   * started.
   */
  private static void healAll(Cluster cluster, Disk disk) throws Exception {
    cluster.firewall().healAll();
    cluster.healLinks();
    if (disk != null) disk.free();
    for (ServerNode n : cluster.nodes()) {
      cluster.resume(n);
      cluster.restart(n);
    }
  }

  private ScheduleResult check(
      List<FaultEvent> events, Path historyFile, Path summaryFile, List<String> problems)
      throws Exception {
    List<Operation> history =
        Files.exists(historyFile) ? HistoryParser.read(historyFile) : List.of();
    long acked = 0;
    long unknown = 0;
    long failed = 0;
    for (Operation o : history) {
      if (o.kind() != Operation.Kind.ADD) continue;
      switch (o.status()) {
        case OK -> acked += o.delta();
        case UNKNOWN -> unknown += o.delta();
        default -> failed++;
      }
    }
    long lost = 0;
    long start = 0;
    JsonNode v = null;
    if (Files.size(summaryFile) > 0) {
      v = new ObjectMapper().readTree(summaryFile.toFile()).path("verification");
    }
    if (v == null || v.isMissingNode()) {
      problems.add("the benchmark wrote no verification (see bench.err)");
    } else {
      start = v.path("start").asLong();
      if (!v.path("passed").asBoolean())
        problems.add("benchmark verification failed: " + v.path("problems"));
      if (v.path("leader").isNumber())
        lost = Math.max(0, start + acked - v.path("leader").asLong());
    }
    if (lost > 0) problems.add(lost + " acknowledged adds lost");
    CheckResult lin = new LinearizabilityChecker(new CounterModel()).initial(start).check(history);
    Files.writeString(s.dir().resolve("lincheck.txt"), lin.explain() + "\n");
    if (!lin.linearizable()) {
      problems.add(
          "not linearizable: "
              + lin.explain().lines().findFirst().orElse("")
              + " (the window's operations:"
              + " lincheck.txt)");
    }
    Availability a = new Availability(history);
    return new ScheduleResult(
        s.seed(),
        s.kinds(),
        s.duration(),
        s.dir(),
        events,
        history.size(),
        acked,
        unknown,
        failed,
        lost,
        lin.linearizable(),
        lin.verdict().text(),
        a.worstAfterStart(events),
        a.worstAfterHeal(events),
        problems);
  }

  private void log(String format, Object... args) {
    log.printf("fault-suite: schedule %d: " + format + "%n", prepend(s.seed(), args));
    log.flush();
  }

  private static Object[] prepend(Object first, Object[] rest) {
    Object[] all = new Object[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  private static void sleep(long ms) throws InterruptedException {
    if (ms > 0) Thread.sleep(ms); // the nemesis holds faults and quiet spells for real time
  }

  private static void await(
      String what, Duration wait, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline)
        throw new IllegalStateException("no " + what + " within " + wait.toSeconds() + " s");
      Thread.sleep(200); // polling a condition
    }
  }
}
