package io.raftjvm.runtime;

import io.raftjvm.core.LogStore;
import io.raftjvm.core.RaftMetrics;
import io.raftjvm.core.Ready;
import io.raftjvm.proto.HardState;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Persists Readies on a thread of its own (a {@link SerialExecutor}) with group commit: every Ready
 * queued while the previous sync ran is written in one batch and made durable with one sync, and
 * the highest Ready number of the batch is reported to {@code onDurable} (called on the writer's
 * executor; the owner hops back to its node's thread from there).
 *
 * <p>Readies are written strictly in submission order. A write or sync failure is fatal: the writer
 * stops, reports the error once to {@code onFailure}, and never reports anything durable again,
 * because the node cannot know what reached the disk.
 *
 * <p>Whether a sync really forces data to disk is the store's setting (see its {@code durable}
 * switch); the writer calls {@link LogStore#sync()} whenever a batch holds a Ready that must sync.
 */
public final class LogWriter extends BatchWorker<LogWriter.Task> {
  private static final int MAX_BATCH = 4096;

  private final LogStore store;
  private final LongConsumer onDurable;
  // Counters, written by the writer thread only.
  private volatile long batches;
  private volatile long syncs;
  private volatile long entries;

  /** Set before the first Ready is submitted (the executor's queue publishes it). */
  private RaftMetrics metrics = RaftMetrics.NONE;

  /** One unit of work: a Ready's durable part, or an action on the store (snapshot, compaction). */
  record Task(Ready ready, Runnable action) {}

  /** A writer on a thread of its own, named name. */
  public LogWriter(
      LogStore store, String name, LongConsumer onDurable, Consumer<Throwable> onFailure) {
    this(store, name, SerialExecutor.newThread(name), onDurable, onFailure);
  }

  /** A writer on executor, which it shuts down on close. */
  public LogWriter(
      LogStore store,
      String name,
      SerialExecutor executor,
      LongConsumer onDurable,
      Consumer<Throwable> onFailure) {
    super(name, MAX_BATCH, executor, onFailure);
    this.store = store;
    this.onDurable = onDurable;
  }

  /** Queues a Ready; it is reported durable with every Ready before it. Never blocks. */
  public void submit(Ready ready) {
    enqueue(new Task(ready, null));
  }

  /**
   * Runs action on the writer thread, the store's only writer, after every Ready queued before it
   * is written (recording a snapshot, compacting). An exception from it is fatal, as a failed
   * write.
   */
  public void run(Runnable action) {
    enqueue(new Task(null, action));
  }

  /** Reports each batch written (entries, bytes, sync time) to metrics. Call before submitting. */
  public void reportTo(RaftMetrics metrics) {
    this.metrics = metrics;
  }

  public long batches() {
    return batches;
  }

  public long syncs() {
    return syncs;
  }

  public long entries() {
    return entries;
  }

  @Override
  // Only this writer thread updates the counters; others only read them.
  @SuppressWarnings("NonAtomicVolatileUpdate")
  protected void process(List<Task> batch) {
    boolean mustSync = false;
    HardState hard = null;
    long last = -1;
    long written = 0;
    long bytes = 0;
    for (Task t : batch) {
      if (t.ready() == null) {
        t.action().run();
        continue;
      }
      Ready rd = t.ready();
      if (rd.snapshot() != null) store.applySnapshot(rd.snapshot());
      if (!rd.toPersist().isEmpty()) {
        store.append(rd.toPersist());
        written += rd.toPersist().size();
        for (int i = 0; i < rd.toPersist().size(); i++) {
          bytes += rd.toPersist().get(i).getSerializedSize();
        }
      }
      if (rd.hardState() != null) hard = rd.hardState();
      mustSync |= rd.mustSync();
      last = rd.number();
    }
    // Only the newest hard state of the batch matters.
    if (hard != null) store.setHardState(hard);
    long syncNanos = 0;
    if (mustSync) {
      long t0 = System.nanoTime();
      store.sync();
      syncNanos = Math.max(1, System.nanoTime() - t0);
      syncs++;
    }
    if (written > 0 || syncNanos > 0) metrics.logWritten((int) written, bytes, syncNanos);
    batches++;
    entries += written;
    if (last >= 0) onDurable.accept(last);
  }

  /** Writes and syncs everything queued, then stops the thread. */
  @Override
  public void close() {
    super.close();
    if (failure() == null) store.sync();
  }
}
