package io.raftjvm.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Handles queued items in batches on a {@link SerialExecutor} (a thread of its own in the server):
 * whatever was queued while it was busy is handled together, in queue order. Fail-stop: the first
 * exception stops it for good and is reported once to {@code onFailure}; later items are dropped.
 *
 * @param <T> the queued item
 */
abstract class BatchWorker<T> implements AutoCloseable {
  private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();

  /** A drain is given to the executor and has not yet found the queue empty. */
  private final AtomicBoolean scheduled = new AtomicBoolean();

  private final String name;
  private final int maxBatch;
  private final SerialExecutor executor;
  private final Consumer<Throwable> onFailure;
  private volatile boolean closing;
  private volatile Throwable failure;

  BatchWorker(String name, int maxBatch, SerialExecutor executor, Consumer<Throwable> onFailure) {
    this.name = name;
    this.maxBatch = maxBatch;
    this.executor = executor;
    this.onFailure = onFailure;
  }

  /** Queues an item. Never blocks. */
  protected final void enqueue(T item) {
    if (closing) throw new IllegalStateException(name + " is closed");
    if (failure != null) return;
    queue.add(item);
    if (scheduled.compareAndSet(false, true)) {
      try {
        executor.execute(this::drain);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        throw new IllegalStateException(name + " is closed", e); // closed between the check and now
      }
    }
  }

  /** Handles one batch, on the executor. */
  protected abstract void process(List<T> batch);

  /** The error that stopped the worker, or null. */
  public final Throwable failure() {
    return failure;
  }

  private void drain() {
    List<T> batch = new ArrayList<>();
    try {
      while (true) {
        T item;
        while (batch.size() < maxBatch && (item = queue.poll()) != null) batch.add(item);
        if (batch.isEmpty()) {
          scheduled.set(false);
          // An item queued after the poll and before the flag cleared found the flag set: take it.
          if (queue.isEmpty() || !scheduled.compareAndSet(false, true)) return;
          continue;
        }
        if (failure != null) return;
        process(batch);
        batch.clear();
      }
    } catch (Throwable t) {
      failure = t;
      queue.clear();
      onFailure.accept(t);
    }
  }

  /** Handles everything queued, then stops the executor. Blocks: not for event loop threads. */
  @Override
  public void close() {
    closing = true;
    executor.shutdown();
  }

  String name() {
    return name;
  }
}
