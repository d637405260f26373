package io.raftjvm.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A thread of its own that handles queued items in batches: whatever was queued while it was busy
 * is handled together, in queue order. Fail-stop: the first exception stops it for good and is
 * reported once to {@code onFailure}; later items are dropped.
 *
 * @param <T> the queued item
 */
abstract class BatchWorker<T> implements AutoCloseable {
  private final LinkedBlockingQueue<T> queue = new LinkedBlockingQueue<>();
  private final String name;
  private final int maxBatch;
  private final Consumer<Throwable> onFailure;
  private final Thread thread;
  private volatile boolean closing;
  private volatile Throwable failure;

  BatchWorker(String name, int maxBatch, Consumer<Throwable> onFailure) {
    this.name = name;
    this.maxBatch = maxBatch;
    this.onFailure = onFailure;
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
  }

  /** Starts the thread; subclasses call it once they are fully constructed. */
  protected final void start() {
    thread.start();
  }

  /** Queues an item. Never blocks. */
  protected final void enqueue(T item) {
    if (closing) throw new IllegalStateException(name + " is closed");
    if (failure == null) queue.add(item);
  }

  /** Handles one batch, on the worker thread. */
  protected abstract void process(List<T> batch);

  /** The error that stopped the worker, or null. */
  public final Throwable failure() {
    return failure;
  }

  private void run() {
    List<T> batch = new ArrayList<>();
    try {
      while (true) {
        T first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (closing && queue.isEmpty()) return;
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, maxBatch - 1);
        process(batch);
        batch.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      failure = t;
      onFailure.accept(t);
    }
  }

  /** Handles everything queued, then stops the thread. Blocks: not for event loop threads. */
  @Override
  public void close() {
    closing = true;
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
