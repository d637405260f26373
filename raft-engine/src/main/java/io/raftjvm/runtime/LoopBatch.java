package io.raftjvm.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Items from other threads (client proposals, reads) handed to the node's loop in batches: the
 * first item to arrive while none waits queues one loop task, and every item that arrives before
 * that task runs rides with it, in arrival order. So the loop's fixed cost per request (a task, a
 * catch-up on ticks, a drain) is paid per batch.
 */
final class LoopBatch<T> {
  private final LoopRequests requests;
  private final Consumer<List<T>> onLoop;
  private final BiConsumer<List<T>, Throwable> onStopped;

  /** Items not yet taken by the loop; guarded by this. */
  private List<T> waiting = new ArrayList<>();

  /** A task to take them is queued on the loop; guarded by this. */
  private boolean scheduled;

  /**
   * onLoop takes each batch on the running loop; onStopped fails a batch with why when the node has
   * stopped.
   */
  LoopBatch(
      LoopRequests requests, Consumer<List<T>> onLoop, BiConsumer<List<T>, Throwable> onStopped) {
    this.requests = requests;
    this.onLoop = onLoop;
    this.onStopped = onStopped;
  }

  void add(T item) {
    boolean schedule;
    synchronized (this) {
      waiting.add(item);
      schedule = !scheduled;
      scheduled = true;
    }
    if (!schedule) return;
    try {
      requests.onRunningLoop(why -> onStopped.accept(take(), why), () -> onLoop.accept(take()));
    } catch (RejectedExecutionException e) {
      // The loop is shut down: nothing queued here would ever be taken.
      onStopped.accept(
          take(),
          new ProposalFailedException(
              ProposalFailedException.Kind.UNAVAILABLE, "the node's loop is shut down"));
    }
  }

  private List<T> take() {
    synchronized (this) {
      List<T> batch = waiting;
      waiting = new ArrayList<>(Math.max(16, batch.size()));
      scheduled = false;
      return batch;
    }
  }
}
