package io.raftjvm.runtime;

import io.raftjvm.core.RaftLogger;
import java.util.concurrent.CompletableFuture;

/**
 * Where the outcome of one proposal goes: called exactly once, with the applied proposal or why it
 * failed (the exceptions {@link NodeDriver#propose(com.google.protobuf.ByteString)} names), on the
 * thread that settles it (the apply thread once it is applied, the loop or the caller's thread when
 * refused). It must be quick and must not block: it runs on the node's threads. A callback costs
 * one object where a future and the stages chained on it cost several, and several atomic updates
 * of memory another thread wrote, per proposal.
 */
@FunctionalInterface
public interface ProposalCallback {
  /** Exactly one of applied and failure is non-null. */
  void done(Proposal applied, Throwable failure);

  /** Calls cb; an exception it throws is logged, not passed on to the node's thread. */
  static void settle(RaftLogger log, ProposalCallback cb, Proposal applied, Throwable failure) {
    try {
      cb.done(applied, failure);
    } catch (RuntimeException e) {
      log.warn("a proposal's callback failed: {}", e.toString());
    }
  }

  /** A callback that completes a future: for the callers that want one. */
  final class Future extends CompletableFuture<Proposal> implements ProposalCallback {
    @Override
    public void done(Proposal applied, Throwable failure) {
      if (failure == null) complete(applied);
      else completeExceptionally(failure);
    }
  }
}
