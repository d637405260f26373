package io.raftjvm.runtime;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The one thread a node's core runs on: tasks run one at a time, in the order they were given, and
 * a periodic task drives the ticks. The server passes a Netty event loop ({@link #of}); the
 * whole-node simulation passes a loop it runs itself, step by step.
 */
public interface NodeLoop extends Executor {
  /** Whether the caller is on this loop. */
  boolean inLoop();

  /**
   * Runs task on the loop every periodMillis, the first time one period from now, until cancelled.
   */
  Timer every(long periodMillis, Runnable task);

  /** A periodic task; cancelling it stops further runs (a run under way finishes). */
  @FunctionalInterface
  interface Timer {
    void cancel();
  }

  /** A loop on a scheduled executor that runs tasks on one thread, e.g. a Netty event loop. */
  static NodeLoop of(ScheduledExecutorService executor, BooleanSupplier inLoop) {
    return new NodeLoop() {
      @Override
      public void execute(Runnable task) {
        executor.execute(task);
      }

      @Override
      public boolean inLoop() {
        return inLoop.getAsBoolean();
      }

      @Override
      public Timer every(long periodMillis, Runnable task) {
        ScheduledFuture<?> f =
            executor.scheduleAtFixedRate(task, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
        return () -> f.cancel(false);
      }
    };
  }
}
