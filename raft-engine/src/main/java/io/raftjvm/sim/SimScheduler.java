package io.raftjvm.sim;

import io.raftjvm.runtime.NodeLoop;
import io.raftjvm.runtime.NodeRuntime;
import io.raftjvm.runtime.SerialExecutor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A deterministic stand-in for threads and time: every executor of every simulated node (its loop,
 * its log writer, its applier), the network and the clients are {@link Lane}s, FIFO queues of
 * tasks, and {@link #step} runs the head task of one lane chosen by the seed. Time is virtual
 * (microseconds): a task costs a little of it, timers fire when it reaches them, and when nothing
 * can run it jumps to the next timer. The same seed gives the same interleaving, to the task.
 *
 * <p>Faults act on lanes: a crashed node's lanes are dropped with their tasks (so a crash can fall
 * between any two steps of the runtime: after a sync but before the loop heard, after an apply but
 * before the reply); a stalled lane (a slow disk, a slow state machine) runs nothing until its
 * stall ends, while its tasks pile up.
 *
 * <p>Not thread-safe: everything runs on the caller's thread.
 */
public final class SimScheduler {
  /** One serial executor: its tasks run one at a time, in order. */
  public final class Lane implements SerialExecutor {
    final String name;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    /** Runs nothing before this time. */
    private long stalledUntil;

    private boolean dead;

    /** Tasks run, for the memory-bound and coverage figures. */
    long ran;

    Lane(String name) {
      this.name = name;
    }

    @Override
    public void execute(Runnable task) {
      if (dead) return; // a crashed node's thread: the work is lost with it
      if (tasks.isEmpty()) runnable.add(this);
      tasks.add(task);
    }

    /** Runs what is queued now (the owner is closing it), on the caller's thread. */
    @Override
    public void shutdown() {
      while (!tasks.isEmpty() && !dead) runTask(this);
    }

    /** Nothing runs here before now + micros. */
    public void stall(long micros) {
      stalledUntil = Math.max(stalledUntil, now + micros);
    }

    public boolean stalled() {
      return stalledUntil > now;
    }

    /** Tasks waiting. */
    public int queued() {
      return tasks.size();
    }

    /** Drops the lane and its tasks for good (its node crashed). */
    void kill() {
      dead = true;
      tasks.clear();
      runnable.remove(this);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private record Due(long due, long seq, Lane lane, Runnable task, long period, boolean[] cancelled)
      implements Comparable<Due> {
    @Override
    public int compareTo(Due o) {
      return due != o.due ? Long.compare(due, o.due) : Long.compare(seq, o.seq);
    }
  }

  private final SplittableRandom random;

  /** Lanes with tasks, in no order that matters (the seed picks). */
  private final List<Lane> runnable = new ArrayList<>();

  private final PriorityQueue<Due> timers = new PriorityQueue<>();
  private long timerSeq;

  /** Virtual time, in microseconds. */
  private long now;

  /** The lane whose task is running, or null. */
  private Lane current;

  /** Most virtual time one task takes, in microseconds. */
  public long maxTaskMicros = 100;

  /**
   * Periodic tasks (the nodes' ticks) never fire by themselves: the test runs them with {@link
   * NodeLanes#tick()}. For scenarios that drive every tick by hand.
   */
  public boolean manualTicks;

  /** Tasks run so far. */
  public long steps;

  public SimScheduler(SplittableRandom random) {
    this.random = random;
  }

  public long nowMicros() {
    return now;
  }

  public long nowMillis() {
    return now / 1000;
  }

  /** Moves virtual time on by micros (scenarios that run lanes by hand let time pass this way). */
  public void advance(long micros) {
    now += micros;
  }

  public Lane lane(String name) {
    return new Lane(name);
  }

  /** The lane running now (null between steps). */
  public Lane current() {
    return current;
  }

  /** Runs lane's head task now, whatever the seed would pick; false if it had none. */
  public boolean runOne(Lane lane) {
    if (lane.tasks.isEmpty() || lane.dead) return false;
    runTask(lane);
    return true;
  }

  /** Runs lane's tasks, those it queues for itself included, until it has none; how many ran. */
  public int runAll(Lane lane) {
    int n = 0;
    while (runOne(lane)) {
      if (++n > 1_000_000)
        throw new AssertionError(lane + " never runs out of tasks: a runtime livelock");
    }
    return n;
  }

  /** Queues task on lane after delayMicros. */
  public void schedule(Lane lane, long delayMicros, Runnable task) {
    timers.add(new Due(now + Math.max(0, delayMicros), timerSeq++, lane, task, 0, new boolean[1]));
  }

  /** Queues task on lane every periodMicros, first after one period; cancel through the handle. */
  NodeLoop.Timer every(Lane lane, long periodMicros, Runnable task) {
    boolean[] cancelled = new boolean[1];
    timers.add(new Due(now + periodMicros, timerSeq++, lane, task, periodMicros, cancelled));
    return () -> cancelled[0] = true;
  }

  /**
   * Runs one task: due timers join their lanes first; then a runnable lane chosen at random runs
   * its head task, and time moves on by the task's cost. With nothing to run, time jumps to the
   * next timer or stall end. Returns false when nothing will ever run again.
   */
  public boolean step() {
    fireDue();
    Lane lane = pick();
    if (lane == null) {
      long next = Long.MAX_VALUE;
      if (!timers.isEmpty()) next = timers.peek().due();
      for (Lane l : runnable) if (l.stalledUntil > now) next = Math.min(next, l.stalledUntil);
      if (next == Long.MAX_VALUE) return false;
      now = Math.max(now, next);
      fireDue();
      lane = pick();
      if (lane == null) return true;
    }
    runTask(lane);
    now += random.nextLong(maxTaskMicros + 1);
    return true;
  }

  /** Runs steps until time reaches untilMicros (or nothing is left to run). */
  public void runUntil(long untilMicros) {
    while (now < untilMicros) {
      if (!step()) {
        now = untilMicros;
        return;
      }
    }
  }

  private void runTask(Lane lane) {
    Runnable task = lane.tasks.poll();
    if (lane.tasks.isEmpty()) runnable.remove(lane);
    Lane was = current;
    current = lane;
    try {
      task.run();
    } finally {
      current = was;
    }
    lane.ran++;
    steps++;
  }

  private Lane pick() {
    int n = runnable.size();
    if (n == 0) return null;
    int start = random.nextInt(n);
    for (int i = 0; i < n; i++) {
      Lane l = runnable.get((start + i) % n);
      if (l.stalledUntil <= now) return l;
    }
    return null;
  }

  private void fireDue() {
    while (!timers.isEmpty() && timers.peek().due() <= now) {
      Due t = timers.poll();
      if (t.cancelled()[0] || t.lane().dead) continue;
      t.lane().execute(t.task());
      if (t.period() > 0) {
        timers.add(
            new Due(
                t.due() + t.period(), timerSeq++, t.lane(), t.task(), t.period(), t.cancelled()));
      }
    }
  }

  /**
   * The runtime of one node incarnation: its loop and workers are lanes of this scheduler, its
   * clock this scheduler's time plus skewMillis. Lanes are made on demand and remembered, so a
   * crash can drop them all.
   */
  public final class NodeLanes implements NodeRuntime {
    private final String prefix;
    private final long skewMillis;
    private final Lane loop;
    private final List<Lane> all = new ArrayList<>();

    /** The periodic task, with manual ticks. */
    private Runnable tickTask;

    private long tickPeriodMicros;

    /** With manual ticks, this node's own monotonic clock: each tick moves it one period on. */
    private long ownClockMicros;

    private int missedTicks;

    NodeLanes(String prefix, long skewMillis) {
      this.prefix = prefix;
      this.skewMillis = skewMillis;
      this.loop = lane(prefix + "-loop");
      all.add(loop);
    }

    @Override
    public NodeLoop loop() {
      return new NodeLoop() {
        @Override
        public void execute(Runnable task) {
          loop.execute(task);
        }

        @Override
        public boolean inLoop() {
          return current == loop;
        }

        @Override
        public NodeLoop.Timer every(long periodMillis, Runnable task) {
          if (!manualTicks) return SimScheduler.this.every(loop, periodMillis * 1000, task);
          tickTask = task;
          tickPeriodMicros = periodMillis * 1000;
          return () -> tickTask = null;
        }
      };
    }

    @Override
    public SerialExecutor worker(String name) {
      Lane l = lane(name);
      all.add(l);
      return l;
    }

    /** The lane of a worker whose name ends with suffix (e.g. "-log", "-apply"), or null. */
    public Lane workerLane(String suffix) {
      for (Lane l : all) if (l.name.endsWith(suffix)) return l;
      return null;
    }

    public Lane loopLane() {
      return loop;
    }

    /**
     * With manual ticks: queues one run of the node's periodic task on its loop; false if it has
     * none.
     */
    public boolean tick() {
      if (tickTask == null || loop.dead) return false;
      ownClockMicros += tickPeriodMicros;
      loop.execute(tickTask);
      return true;
    }

    /**
     * With manual ticks: one period passes on this node's clock but its timer does not fire (the
     * node is paused); whatever its loop runs next catches up on the tick.
     */
    public void tickMissed() {
      ownClockMicros += tickPeriodMicros;
      missedTicks++;
    }

    /**
     * After a pause: the timer's missed firings come now, late, behind whatever queued on the loop
     * meanwhile (the clock already counted them).
     */
    public void fireMissedTicks() {
      if (tickTask == null || loop.dead) return;
      for (; missedTicks > 0; missedTicks--) loop.execute(tickTask);
    }

    @Override
    public long currentTimeMillis() {
      return EPOCH_MILLIS + nowMillis() + skewMillis;
    }

    /**
     * The scheduler's time, or with manual ticks this node's own clock (its ticks are its time).
     */
    @Override
    public long monotonicMillis() {
      return (manualTicks ? ownClockMicros : now) / 1000;
    }

    /** The node crashed: every task on its lanes is lost, its timers never fire again. */
    public void kill() {
      all.forEach(Lane::kill);
    }

    @Override
    public String toString() {
      return prefix;
    }
  }

  /** A fixed start of the virtual wall clock, so session timestamps replay exactly. */
  static final long EPOCH_MILLIS = 1_800_000_000_000L;

  public NodeLanes node(String prefix, long skewMillis) {
    return new NodeLanes(prefix, skewMillis);
  }
}
