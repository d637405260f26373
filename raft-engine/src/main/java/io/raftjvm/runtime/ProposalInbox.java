package io.raftjvm.runtime;

import com.google.protobuf.ByteString;
import io.raftjvm.core.EntryId;
import io.raftjvm.core.NotLeaderException;
import io.raftjvm.core.ProposalDroppedException;
import io.raftjvm.proto.EntryType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Client proposals on their way to the node's loop, in batches ({@link LoopBatch}): the first
 * proposal to arrive while none is pending queues one task on the loop, and every proposal that
 * arrives before that task runs rides with it. The task appends them with one call into the core
 * per run of entries of one type, registers them with one lock, and drains once, so the loop's work
 * per proposal (a task, a core append, a broadcast to the followers, a self-acknowledgement) is
 * paid per batch.
 *
 * <p>Proposals keep their arrival order, so a client's commands reach the log in the order it sent
 * them. Other loop requests (reads, membership changes) may overtake proposals that arrived after
 * the batch's task was queued; they were concurrent, so either order is linearizable.
 */
final class ProposalInbox {
  /** An entry to append and where its proposal's outcome goes. */
  record Submitted(ByteString data, EntryType type, Callback<Proposal> callback) {}

  private final NodeDriver d;
  private final LoopBatch<Submitted> batch;

  ProposalInbox(NodeDriver d) {
    this.d = d;
    this.batch = new LoopBatch<>(d.requests, this::appendWaiting, this::failAll);
  }

  /** Queues an entry for the loop to append; settles as {@link LoopRequests#append} does. */
  void submit(ByteString data, EntryType type, Callback<Proposal> callback) {
    batch.add(new Submitted(data, type, callback));
  }

  /** {@link #submit(ByteString, EntryType, Callback)}, with a future. */
  CompletableFuture<Proposal> submit(ByteString data, EntryType type) {
    Callback.Future<Proposal> f = new Callback.Future<>();
    submit(data, type, f);
    return f;
  }

  /** On the loop: appends a batch, in order, in runs of one entry type. */
  private void appendWaiting(List<Submitted> batch) {
    ProposalFailedException stalled = d.requests.stalledLeader();
    if (stalled != null) {
      failAll(batch, stalled);
      return;
    }
    Throwable refused = null;
    int from = 0;
    while (from < batch.size()) {
      EntryType type = batch.get(from).type();
      int to = from + 1;
      while (to < batch.size() && batch.get(to).type() == type) to++;
      List<Submitted> run = batch.subList(from, to);
      if (refused != null) failAll(run, refused);
      else refused = append(run, type);
      from = to;
    }
    d.scheduleDrain();
  }

  /**
   * Appends a run of entries of one type and registers their proposals. Returns null if the core
   * took them, else why not (every one of them failed with it, and so must the rest of the batch).
   * A run refused for room (or a transfer) is retried entry by entry, so those that fit are taken
   * and the others fail as UNAVAILABLE.
   */
  private Throwable append(List<Submitted> run, EntryType type) {
    List<ByteString> data = new ArrayList<>(run.size());
    for (Submitted s : run) data.add(s.data());
    try {
      EntryId last = d.node.proposeAll(data, type);
      d.proposals.addAll(last, run);
      return null;
    } catch (ProposalDroppedException e) {
      if (run.size() == 1) {
        Callback.settle(
            d.logger,
            run.get(0).callback(),
            null,
            new ProposalFailedException(ProposalFailedException.Kind.UNAVAILABLE, e.getMessage()));
        return null;
      }
      for (int i = 0; i < run.size(); i++) {
        Throwable t = append(run.subList(i, i + 1), type);
        if (t != null) {
          failAll(run.subList(i + 1, run.size()), t);
          return t;
        }
      }
      return null;
    } catch (NotLeaderException e) {
      failAll(run, e);
      return e;
    } catch (RuntimeException e) {
      failAll(run, e);
      d.fail("invariant violated while proposing", e);
      return e;
    }
  }

  private void failAll(List<Submitted> run, Throwable why) {
    for (Submitted s : run) Callback.settle(d.logger, s.callback(), null, why);
  }
}
