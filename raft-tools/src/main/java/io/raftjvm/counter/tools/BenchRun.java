package io.raftjvm.counter.tools;

import io.raftjvm.counter.tools.HistoryRecord.Status;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The benchmark's load loop: keeps exactly {@code concurrency} requests outstanding for the warm-up
 * and the measured duration, then lets them finish.
 *
 * <p>Each outstanding slot is a worker numbered 0..N-1 (the history's {@code process}). A slot
 * sends one request; when its future completes (on the client's I/O thread) the completion is
 * counted (wait-free: HdrHistogram {@link Recorder}s and {@link LongAdder}s), the history record is
 * handed to the {@link HistoryWriter} (never blocking), and the slot sends its next request. After
 * a failure the next request waits 1 ms on the timer thread, so a cluster that refuses everything
 * at once cannot spin the I/O thread. One timer thread prints progress every second and switches
 * the phases (warm-up, measure, stop); the latency of the measured window is only read at the end.
 */
final class BenchRun {
  /** Where requests go: a RaftClient, or a fake in tests. Futures must never block the caller. */
  interface Target {
    CompletableFuture<byte[]> propose(byte[] command);

    CompletableFuture<byte[]> query(byte[] query);
  }

  /** What the run needs to know. */
  record Settings(
      int concurrency,
      Duration warmup,
      Duration duration,
      int payload,
      int readPercent,
      Duration drainTimeout) {}

  /** Every add adds 1, so the verification's unknown range is simply the count of unknown adds. */
  static final long DELTA = 1;

  private static final int WARMUP = 0;
  private static final int MEASURE = 1;
  private static final int STOPPING = 2;

  private final Settings settings;
  private final List<? extends Target> targets;
  private final HistoryWriter history;
  private final PrintWriter progress;
  private final byte[] addCommand;
  private final byte[] getQuery = CounterWire.get();
  private final ScheduledExecutorService timer;

  private volatile int phase = WARMUP;
  private volatile long measureStart;
  private volatile long measureEnd;

  private final Recorder addRecorder = new Recorder(3);
  private final Recorder getRecorder = new Recorder(3);

  /** Every acknowledged operation; folded by the timer thread into {@link #progressTotal}. */
  private final Recorder progressRecorder = new Recorder(3);

  private final LongAdder completed = new LongAdder();
  private final LongAdder errorsTotal = new LongAdder();
  private final LongAdder measuredAdds = new LongAdder();
  private final LongAdder measuredGets = new LongAdder();
  private final LongAdder measuredErrors = new LongAdder();
  private final LongAdder addsOk = new LongAdder();
  private final LongAdder addsFailed = new LongAdder();
  private final LongAdder addsUnknown = new LongAdder();
  private final LongAdder getsOk = new LongAdder();
  private final LongAdder getsFailed = new LongAdder();
  private final LongAdder ackedDelta = new LongAdder();
  private final LongAdder unknownDelta = new LongAdder();

  /** Deltas of adds sent and not completed. */
  private final LongAdder inFlightDelta = new LongAdder();

  private final LongAdder inFlight = new LongAdder();
  private final ConcurrentHashMap<String, LongAdder> errorsByKind = new ConcurrentHashMap<>();
  private final Stalls stalls = new Stalls();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final CountDownLatch slotsDone;

  // timer thread only
  private Histogram progressTotal = new Histogram(3);
  private Histogram progressRecycle;
  private long startNanos;
  private long lastTickNanos;
  private long lastCompleted;

  BenchRun(
      Settings settings,
      List<? extends Target> targets,
      HistoryWriter history,
      PrintWriter progress) {
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("no target");
    }
    this.settings = settings;
    this.targets = targets;
    this.history = history;
    this.progress = progress;
    this.addCommand = CounterWire.add(DELTA, settings.payload());
    this.slotsDone = new CountDownLatch(settings.concurrency());
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "counter-bench-timer");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Runs the load and waits for the outstanding requests (up to the drain timeout). Fills the
   * measured and whole-run parts of the returned summary; the caller adds the rest.
   */
  BenchSummary run() throws InterruptedException {
    List<Slot> slots = new ArrayList<>(settings.concurrency());
    for (int i = 0; i < settings.concurrency(); i++) {
      slots.add(new Slot(i, targets.get(i % targets.size()), new SplittableRandom(0x5eed + i)));
    }
    long warmupNanos = settings.warmup().toNanos();
    startNanos = System.nanoTime();
    lastTickNanos = startNanos;
    if (warmupNanos == 0) {
      measureStart = startNanos;
      stalls.start(startNanos);
      phase = MEASURE;
    }
    ScheduledFuture<?> ticks = timer.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
    if (warmupNanos > 0) {
      timer.schedule(this::startMeasuring, warmupNanos, TimeUnit.NANOSECONDS);
    }
    timer.schedule(this::stop, warmupNanos + settings.duration().toNanos(), TimeUnit.NANOSECONDS);
    for (Slot s : slots) {
      s.issue();
    }
    stopped.await();
    ticks.cancel(false);
    boolean drained = slotsDone.await(settings.drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
    timer.shutdown();
    return summary(drained);
  }

  private void startMeasuring() {
    progressRecycle = progressRecorder.getIntervalHistogram(progressRecycle); // drop warm-up
    progressTotal.reset();
    measureStart = System.nanoTime();
    stalls.start(measureStart);
    phase = MEASURE;
  }

  private void stop() {
    measureEnd = System.nanoTime();
    stalls.end(measureEnd);
    phase = STOPPING;
    stopped.countDown();
  }

  /** Once a second on the timer thread. */
  private void tick() {
    long now = System.nanoTime();
    long c = completed.sum();
    double rate = (c - lastCompleted) / Math.max(1e-9, (now - lastTickNanos) / 1e9);
    lastCompleted = c;
    lastTickNanos = now;
    progressRecycle = progressRecorder.getIntervalHistogram(progressRecycle);
    progressTotal.add(progressRecycle);
    String p99 =
        progressTotal.getTotalCount() == 0
            ? "-"
            : BenchSummary.ms(progressTotal.getValueAtPercentile(99)) + " ms";
    progress.println(
        String.format(
            Locale.ROOT,
            "counter-bench: %4d s  %-7s %9.0f ops/s  p99 so far %s  errors %d",
            Math.round((now - startNanos) / 1e9),
            phase == WARMUP ? "warm-up" : "measure",
            rate,
            p99,
            errorsTotal.sum()));
    progress.flush();
  }

  private BenchSummary summary(boolean drained) {
    BenchSummary s = new BenchSummary();
    s.concurrency = settings.concurrency();
    s.payload = settings.payload();
    s.readPercent = settings.readPercent();
    s.warmup = settings.warmup();
    s.duration = settings.duration();
    s.measuredNanos = measureEnd - measureStart;
    s.measuredAdds = measuredAdds.sum();
    s.measuredGets = measuredGets.sum();
    s.measuredErrors = measuredErrors.sum();
    s.longestStallNanos = stalls.longestNanos();
    s.longestStallEndNanos = stalls.longestEndNanos();
    s.addLatency = addRecorder.getIntervalHistogram();
    s.getLatency = getRecorder.getIntervalHistogram();
    Map<String, Long> errors = new TreeMap<>();
    errorsByKind.forEach((k, v) -> errors.put(k, v.sum()));
    s.errors = errors;
    s.addsOk = addsOk.sum();
    s.addsFailed = addsFailed.sum();
    s.addsUnknown = addsUnknown.sum();
    s.getsOk = getsOk.sum();
    s.getsFailed = getsFailed.sum();
    s.unanswered = drained ? 0 : inFlight.sum();
    return s;
  }

  /** Sum of the deltas of acknowledged adds (valid after {@link #run}). */
  long ackedDelta() {
    return ackedDelta.sum();
  }

  /**
   * Sum of the deltas of adds of unknown outcome, including adds still unanswered when the run
   * stopped waiting (valid after {@link #run}).
   */
  long unknownDelta() {
    return unknownDelta.sum() + inFlightDelta.sum();
  }

  /** One outstanding request at a time; its completions run one after another. */
  private final class Slot {
    private final int process;
    private final Target target;
    private final SplittableRandom random;
    private final Runnable next = this::issue;
    private final Runnable nextAfterFailure = this::issueLater;

    Slot(int process, Target target, SplittableRandom random) {
      this.process = process;
      this.target = target;
      this.random = random;
    }

    void issue() {
      if (phase == STOPPING) {
        slotsDone.countDown();
        return;
      }
      int reads = settings.readPercent();
      boolean read = reads >= 100 || (reads > 0 && random.nextInt(100) < reads);
      inFlight.increment();
      if (!read) {
        inFlightDelta.add(DELTA);
      }
      long invoke = System.nanoTime();
      CompletableFuture<byte[]> f;
      try {
        f = read ? target.query(getQuery) : target.propose(addCommand);
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      f.whenComplete((result, failure) -> complete(read, invoke, result, failure));
    }

    void issueLater() {
      try {
        timer.schedule(this::issue, 1, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        slotsDone.countDown(); // the run is over
      }
    }

    private void complete(boolean read, long invoke, byte[] result, Throwable failure) {
      long done = System.nanoTime();
      int ph = phase;
      Status status;
      String kind = null;
      long value = 0;
      if (failure == null) {
        if (CounterWire.isRefused(result)) {
          status = Status.FAIL;
          kind = Outcomes.REFUSED;
        } else {
          try {
            value = CounterWire.value(result);
            status = Status.OK;
          } catch (IllegalArgumentException e) {
            status = read ? Status.FAIL : Status.TIMEOUT; // an add that applied somehow
            kind = Outcomes.BAD_RESULT;
          }
        }
      } else {
        status = Outcomes.status(failure, !read);
        kind = Outcomes.kind(failure);
      }
      account(read, status, kind, done - invoke, ph);
      Runnable then = status == Status.OK ? next : nextAfterFailure;
      if (history == null) {
        then.run();
        return;
      }
      HistoryRecord r =
          read
              ? HistoryRecord.get(process, invoke, done, status, value)
              : HistoryRecord.add(process, DELTA, invoke, done, status, value);
      history.submit(r, then);
    }

    private void account(boolean read, Status status, String kind, long latency, int ph) {
      if (status == Status.OK) {
        progressRecorder.recordValue(latency);
        if (ph == MEASURE) {
          stalls.ok(System.nanoTime());
          (read ? getRecorder : addRecorder).recordValue(latency);
          (read ? measuredGets : measuredAdds).increment();
        }
      } else {
        errorsTotal.increment();
        errorsByKind.computeIfAbsent(kind, k -> new LongAdder()).increment();
        if (ph == MEASURE) {
          measuredErrors.increment();
        }
      }
      if (read) {
        (status == Status.OK ? getsOk : getsFailed).increment();
      } else {
        switch (status) {
          case OK -> {
            addsOk.increment();
            ackedDelta.add(DELTA);
          }
          case FAIL -> addsFailed.increment();
          default -> {
            addsUnknown.increment();
            unknownDelta.add(DELTA);
          }
        }
        inFlightDelta.add(-DELTA);
      }
      completed.increment();
      inFlight.decrement();
    }
  }
}
