package io.raftjvm.runtime;

import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;

/**
 * What a {@link NodeDriver} runs on, given from outside: its loop, the serial executors of its log
 * writer and its applier, and the wall clock that stamps session entries (thesis §6.3: the leader's
 * clock, replicated in the entries, decides when sessions expire). The server passes a Netty event
 * loop, threads and the system clock ({@link #threads}); the whole-node simulation passes executors
 * it interleaves from a seed and a clock it advances itself.
 */
public interface NodeRuntime {
  NodeLoop loop();

  /** A new serial executor for the named worker (e.g. "raft-1-log"). */
  SerialExecutor worker(String name);

  /** Milliseconds since the epoch. */
  long currentTimeMillis();

  /**
   * Milliseconds from an arbitrary origin, never going back: the clock the node's ticks follow, so
   * that a node whose loop was held up (a pause) catches up on every tick it missed before it
   * handles anything else.
   */
  long monotonicMillis();

  /**
   * The server's runtime: loop is one thread (inLoop tells it), each worker a new thread, the
   * system clock.
   */
  static NodeRuntime threads(ScheduledExecutorService loop, BooleanSupplier inLoop) {
    NodeLoop l = NodeLoop.of(loop, inLoop);
    return new NodeRuntime() {
      @Override
      public NodeLoop loop() {
        return l;
      }

      @Override
      public SerialExecutor worker(String name) {
        return SerialExecutor.newThread(name);
      }

      @Override
      public long currentTimeMillis() {
        return System.currentTimeMillis();
      }

      @Override
      public long monotonicMillis() {
        return System.nanoTime() / 1_000_000;
      }
    };
  }
}
