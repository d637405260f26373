package io.raftjvm.runtime;

import io.raftjvm.core.LogStore;
import io.raftjvm.core.Ready;
import io.raftjvm.proto.HardState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Persists Readies on a thread of its own with group commit: every Ready queued while the previous
 * sync ran is written in one batch and made durable with one sync, and the highest Ready number of
 * the batch is reported to {@code onDurable} (called on the writer thread; the owner hops back to
 * its node's thread from there).
 *
 * <p>Readies are written strictly in submission order. A write or sync failure is fatal: the
 * writer stops, reports the error once to {@code onFailure}, and never reports anything durable
 * again, because the node cannot know what reached the disk.
 *
 * <p>Whether a sync really forces data to disk is the store's setting (see its {@code durable}
 * switch); the writer calls {@link LogStore#sync()} whenever a batch holds a Ready that must sync.
 */
public final class LogWriter implements AutoCloseable {
  private static final int MAX_BATCH = 4096;

  private final LogStore store;
  private final LongConsumer onDurable;
  private final Consumer<Throwable> onFailure;
  private final LinkedBlockingQueue<Task> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean closing;
  private volatile Throwable failure;
  // Counters, written by the writer thread only.
  private volatile long batches;
  private volatile long syncs;
  private volatile long entries;

  /** One unit of work: a Ready's durable part, or a compaction. */
  private record Task(Ready ready, long compactTo) {}

  public LogWriter(LogStore store, String name, LongConsumer onDurable, Consumer<Throwable> onFailure) {
    this.store = store;
    this.onDurable = onDurable;
    this.onFailure = onFailure;
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** Queues a Ready; it is reported durable with every Ready before it. Never blocks. */
  public void submit(Ready ready) {
    if (closing) throw new IllegalStateException("log writer is closed");
    queue.add(new Task(ready, 0));
  }

  /** Queues a compaction up to index, done after every Ready queued before it. */
  public void compact(long index) {
    if (closing) throw new IllegalStateException("log writer is closed");
    queue.add(new Task(null, index));
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

  /** The error that stopped the writer, or null. */
  public Throwable failure() {
    return failure;
  }

  private void run() {
    List<Task> batch = new ArrayList<>();
    try {
      while (true) {
        Task first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (closing && queue.isEmpty()) return;
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        writeBatch(batch);
        batch.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      failure = t;
      onFailure.accept(t);
    }
  }

  private void writeBatch(List<Task> batch) {
    boolean mustSync = false;
    HardState hard = null;
    long last = -1;
    long written = 0;
    for (Task t : batch) {
      if (t.ready() == null) {
        store.compact(t.compactTo());
        continue;
      }
      Ready rd = t.ready();
      if (rd.snapshot() != null) store.applySnapshot(rd.snapshot());
      if (!rd.toPersist().isEmpty()) {
        store.append(rd.toPersist());
        written += rd.toPersist().size();
      }
      if (rd.hardState() != null) hard = rd.hardState();
      mustSync |= rd.mustSync();
      last = rd.number();
    }
    // Only the newest hard state of the batch matters.
    if (hard != null) store.setHardState(hard);
    if (mustSync) {
      store.sync();
      syncs++;
    }
    batches++;
    entries += written;
    if (last >= 0) onDurable.accept(last);
  }

  /** Writes and syncs everything queued, then stops the thread. */
  @Override
  public void close() {
    closing = true;
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (failure == null) store.sync();
  }
}
