package io.raftjvm.runtime;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs tasks one at a time, in the order they were given: the "thread" of a log writer or an
 * applier. In the server it is a thread of its own ({@link #newThread}); in the whole-node
 * simulation, a queue the simulator runs when its seed says so.
 */
public interface SerialExecutor extends Executor {
  /**
   * Runs what was given before, then stops taking tasks. Blocks until that is done: not for an
   * event loop thread.
   */
  void shutdown();

  /** A serial executor on a daemon thread of its own, named name. */
  static SerialExecutor newThread(String name) {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              return t;
            });
    return new SerialExecutor() {
      @Override
      public void execute(Runnable task) {
        pool.execute(task);
      }

      @Override
      public void shutdown() {
        pool.shutdown();
        try {
          while (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
            // A long sync or apply; it is still this worker's to finish.
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }
}
