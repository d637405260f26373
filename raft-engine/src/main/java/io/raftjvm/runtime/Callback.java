package io.raftjvm.runtime;

import io.raftjvm.core.RaftLogger;
import java.util.concurrent.CompletableFuture;

/**
 * Where the outcome of one request to the node (a proposal, a read) goes: called exactly once, with
 * the value or why it failed (the exceptions the future-returning form of the request names), on
 * the thread that settles it (the apply thread once it is applied or read, the loop or the caller's
 * thread when refused). It must be quick and must not block: it runs on the node's threads. A
 * callback costs one object where a future and the stages chained on it cost several, and several
 * atomic updates of memory another thread wrote, per request.
 *
 * @param <T> what the request yields
 */
@FunctionalInterface
public interface Callback<T> {
  /** Exactly one of value and failure is non-null (a value may be null only if T allows it). */
  void done(T value, Throwable failure);

  /** Calls cb; an exception it throws is logged, not passed on to the node's thread. */
  static <T> void settle(RaftLogger log, Callback<T> cb, T value, Throwable failure) {
    try {
      cb.done(value, failure);
    } catch (RuntimeException e) {
      log.warn("a request's callback failed: {}", e.toString());
    }
  }

  /** A callback that completes a future: for the callers that want one. */
  final class Future<T> extends CompletableFuture<T> implements Callback<T> {
    @Override
    public void done(T value, Throwable failure) {
      if (failure == null) complete(value);
      else completeExceptionally(failure);
    }
  }
}
