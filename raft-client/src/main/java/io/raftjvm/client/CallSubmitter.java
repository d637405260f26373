package io.raftjvm.client;

import io.netty.channel.EventLoop;
import io.raftjvm.client.ClientException.Kind;
import io.raftjvm.client.proto.ClientResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Hands {@link RaftClient}'s calls to its I/O loop and turns their answers into the caller's
 * futures. Holds the pending permits (at most {@link RaftClientOptions#maxPendingRequests()}
 * requests not yet completed) and whether the client is closed. Thread-safe.
 */
final class CallSubmitter {
  private final EventLoop loop;
  private final ClientDispatcher dispatcher;
  private final int maxPending;
  private final Semaphore pending;
  private final AtomicBoolean closed = new AtomicBoolean();

  CallSubmitter(EventLoop loop, ClientDispatcher dispatcher, int maxPending) {
    this.loop = loop;
    this.dispatcher = dispatcher;
    this.maxPending = maxPending;
    this.pending = new Semaphore(maxPending);
  }

  /** Marks the client closed; true the first time only. */
  boolean close() {
    return closed.compareAndSet(false, true);
  }

  /**
   * Takes a pending permit: null when taken, else a failed future saying why not (closed, too many
   * pending).
   */
  <T> CompletableFuture<T> refuse() {
    if (closed.get()) {
      return failed(Kind.CLOSED, "client closed");
    }
    if (!pending.tryAcquire()) {
      return failed(
          Kind.UNAVAILABLE, "more than " + maxPending + " requests pending in this client");
    }
    return null;
  }

  /** Gives back a permit taken by {@link #refuse()} for a call that ended or was never sent. */
  void release() {
    pending.release();
  }

  /**
   * Hands the call (which holds a pending permit) to the loop. The returned future fails with the
   * call's ClientException itself (not wrapped) and cancelling it abandons the call.
   */
  <T> CompletableFuture<T> submit(ClientCall call, Function<ClientResponse, T> result) {
    return submit(call, result, true);
  }

  /** A request the caller did not take a pending permit for (a session registration). */
  <T> CompletableFuture<T> submitUncounted(ClientCall call, Function<ClientResponse, T> result) {
    return submit(call, result, false);
  }

  private <T> CompletableFuture<T> submit(
      ClientCall call, Function<ClientResponse, T> result, boolean counted) {
    CallResult<T> out = new CallResult<>(call);
    call.onOutcome(
        (response, failure) -> {
          if (counted) pending.release();
          if (failure != null) {
            out.completeExceptionally(failure);
            return;
          }
          T value;
          try {
            value = result.apply(response);
          } catch (RuntimeException e) {
            out.completeExceptionally(e);
            return;
          }
          out.complete(value);
        });
    start(call);
    return out;
  }

  /** Hands the call, its outcome callback set, to the loop. */
  void start(ClientCall call) {
    try {
      loop.execute(() -> dispatcher.start(call));
    } catch (RejectedExecutionException e) {
      call.fail(new ClientException(Kind.CLOSED, "client closed"));
    }
  }

  /** The state machine's answer in an Applied response. */
  static byte[] applied(ClientResponse response) {
    return response.getApplied().getResult().toByteArray();
  }

  static <T> CompletableFuture<T> failed(Kind kind, String message) {
    return CompletableFuture.failedFuture(new ClientException(kind, message));
  }

  /** What {@link #submit} returns: cancelling it abandons the call. */
  private static final class CallResult<T> extends CompletableFuture<T> {
    private final ClientCall call;

    CallResult(ClientCall call) {
      this.call = call;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (isCancelled()) call.cancel();
      return cancelled;
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
      boolean completed = super.completeExceptionally(ex);
      if (isCancelled()) call.cancel();
      return completed;
    }
  }
}
