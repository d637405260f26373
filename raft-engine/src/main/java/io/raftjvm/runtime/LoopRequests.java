package io.raftjvm.runtime;

import io.raftjvm.core.ConfChangeRejectedException;
import io.raftjvm.core.EntryId;
import io.raftjvm.core.NotLeaderException;
import io.raftjvm.core.ProposalDroppedException;
import io.raftjvm.core.Role;
import io.raftjvm.proto.Message;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Requests that reach a {@link NodeDriver} from other threads (peers' messages, clients,
 * operators): each runs on the node's loop once the core has caught up on its ticks, or fails at
 * once as UNAVAILABLE when the node has stopped. A refusal by the core completes the request's
 * future; an invariant violation stops the node.
 */
final class LoopRequests {
  private final NodeDriver d;

  LoopRequests(NodeDriver d) {
    this.d = d;
  }

  /**
   * Appends an entry on the loop and registers for its application; refusals complete the future.
   */
  CompletableFuture<Proposal> append(Supplier<EntryId> append, String what) {
    Callback.Future<Proposal> f = new Callback.Future<>();
    onRunningLoop(
        f,
        () -> {
          ProposalFailedException stalled = stalledLeader();
          if (stalled != null) {
            f.completeExceptionally(stalled);
            return;
          }
          try {
            EntryId at = append.get();
            d.proposals.add(at, f);
            d.scheduleDrain();
          } catch (NotLeaderException | ConfChangeRejectedException e) {
            f.completeExceptionally(e);
          } catch (ProposalDroppedException e) {
            f.completeExceptionally(
                new ProposalFailedException(
                    ProposalFailedException.Kind.UNAVAILABLE, e.getMessage()));
          } catch (RuntimeException e) {
            f.completeExceptionally(e);
            d.fail("invariant violated while " + what, e);
          }
        });
    return f;
  }

  /**
   * On the loop: why a leader whose log writer stalled takes no proposal (it is handing leadership
   * over), or null when it may take them.
   */
  ProposalFailedException stalledLeader() {
    if (!d.disk.stalled() || d.role != Role.LEADER) return null;
    return new ProposalFailedException(
        ProposalFailedException.Kind.UNAVAILABLE,
        "node " + d.id + " cannot write its log; it is handing leadership over");
  }

  /** Runs action on the loop, or fails f as UNAVAILABLE (nothing taken) if the node has stopped. */
  void onRunningLoop(CompletableFuture<?> f, Runnable action) {
    onRunningLoop(f::completeExceptionally, action);
  }

  /** Runs action on the loop, or tells fail why not (UNAVAILABLE: the node has stopped). */
  void onRunningLoop(java.util.function.Consumer<Throwable> fail, Runnable action) {
    d.loop.execute(
        () -> {
          if (d.stopped) {
            Throwable failure = d.failure;
            fail.accept(
                new ProposalFailedException(
                    ProposalFailedException.Kind.UNAVAILABLE,
                    failure == null
                        ? "node " + d.id + " is stopped"
                        : "node "
                            + d.id
                            + " failed at "
                            + java.time.Instant.ofEpochMilli(d.failedAtMillis)
                            + " ("
                            + failure.getMessage()
                            + ") and serves nothing until restarted"));
            return;
          }
          try {
            d.catchUpTicks();
          } catch (RuntimeException e) {
            fail.accept(e);
            d.fail("invariant violated on tick", e);
            return;
          }
          action.run();
        });
  }

  /** Reads reach the loop in batches, as proposals do. */
  private final LoopBatch<Reads.Pending> reads =
      new LoopBatch<>(this, this::askAll, LoopRequests::failReads);

  CompletableFuture<byte[]> read(byte[] query) {
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    reads.add(new Reads.Pending(query, f));
    return f;
  }

  /** On the loop: one read index (one heartbeat round) for the whole batch. */
  private void askAll(List<Reads.Pending> batch) {
    try {
      d.reads.ask(d.node, batch); // each batch is a list of its own (LoopBatch.take)
    } catch (NotLeaderException e) {
      failReads(batch, e);
    } catch (RuntimeException e) {
      failReads(batch, e);
      d.fail("invariant violated while reading", e);
      return;
    }
    d.scheduleDrain();
  }

  private static void failReads(List<Reads.Pending> batch, Throwable why) {
    for (Reads.Pending r : batch) r.result().completeExceptionally(why);
  }

  CompletableFuture<Void> transferLeadership(long target) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    onRunningLoop(
        f,
        () -> {
          try {
            d.node.transferLeadership(target);
            d.scheduleDrain();
            f.complete(null);
          } catch (RuntimeException e) {
            f.completeExceptionally(e);
          }
        });
    return f;
  }

  CompletableFuture<Long> snapshot(long trailingEntries) {
    CompletableFuture<Long> f = new CompletableFuture<>();
    onRunningLoop(
        f,
        () -> {
          if (d.keeper == null) {
            f.completeExceptionally(
                new IllegalStateException("node " + d.id + " keeps no snapshots"));
            return;
          }
          d.keeper
              .snapshotNow(trailingEntries >= 0 ? trailingEntries : d.keeper.trailingEntries())
              .whenComplete(
                  (i, t) -> {
                    if (t != null) f.completeExceptionally(t);
                    else f.complete(i);
                  });
        });
    return f;
  }

  /** Steps messages from peers (one read burst) and drains once. */
  void deliver(List<Message> messages) {
    if (d.loop.inLoop()) {
      if (d.stopped) return;
      try {
        d.catchUpTicks();
        for (Message m : messages) d.node.step(m);
      } catch (RuntimeException e) {
        d.fail("invariant violated while stepping messages", e);
        return;
      }
      d.scheduleDrain();
    } else {
      d.loop.execute(() -> deliver(messages));
    }
  }

  /** Transport feedback: messages to peer are being dropped. */
  void reportUnreachable(long peer) {
    if (d.loop.inLoop()) {
      if (!d.stopped) d.node.reportUnreachable(peer);
    } else {
      d.loop.execute(() -> reportUnreachable(peer));
    }
  }
}
