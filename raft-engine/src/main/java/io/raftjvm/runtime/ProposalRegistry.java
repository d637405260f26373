package io.raftjvm.runtime;

import io.raftjvm.core.EntryId;
import io.raftjvm.core.RaftLogger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Client proposals waiting for their entry to be applied, in log order. The node's loop adds them;
 * the apply thread completes them as soon as their entry is applied (one thread hop less on the way
 * back to the client). Each proposal is removed (and completed) exactly once.
 *
 * <p>The loop appends at increasing indexes, and entries are applied in index order, so the waiting
 * proposals form a queue: the loop adds at its tail and the apply thread takes from its head. One
 * lock guards it, held for a few field writes and never while a callback runs (it runs the client's
 * answer path). An add at or below the tail's index means the entries there were overwritten (§5.3:
 * a new leader replaced them), so those proposals fail.
 *
 * <p>A proposal succeeds when the entry applied at its index has its term; if another term's entry
 * is applied there, leadership changed and the proposal was lost.
 */
final class ProposalRegistry {
  /** A proposal made at (term, index). */
  private record Pending(long index, long term, Callback<Proposal> callback) {}

  private final ArrayDeque<Pending> queue = new ArrayDeque<>();

  /** Where a callback that throws is reported. */
  private final RaftLogger logger;

  ProposalRegistry(RaftLogger logger) {
    this.logger = logger;
  }

  void add(EntryId at, Callback<Proposal> callback) {
    List<Pending> replaced = null;
    synchronized (this) {
      Pending last;
      while ((last = queue.peekLast()) != null && last.index() >= at.index()) {
        if (replaced == null) replaced = new ArrayList<>();
        replaced.add(queue.pollLast());
      }
      queue.addLast(new Pending(at.index(), at.term(), callback));
    }
    if (replaced == null) return;
    for (Pending old : replaced) {
      // Our earlier entry at this index was overwritten before anything was applied there.
      Callback.settle(
          logger,
          old.callback(),
          null,
          new ProposalFailedException(
              ProposalFailedException.Kind.LEADERSHIP_LOST,
              "entry "
                  + old.index()
                  + " of term "
                  + old.term()
                  + " was replaced by a newer leader's entry"));
    }
  }

  /** The loop appended run's entries, the last at last: registers their proposals in order. */
  void addAll(EntryId last, List<ProposalInbox.Submitted> run) {
    long first = last.index() - run.size() + 1;
    synchronized (this) {
      Pending tail = queue.peekLast();
      if (tail == null || tail.index() < first) {
        for (int i = 0; i < run.size(); i++) {
          queue.addLast(new Pending(first + i, last.term(), run.get(i).callback()));
        }
        return;
      }
    }
    // Rare: entries of ours at these indexes were overwritten; one by one fails them.
    for (int i = 0; i < run.size(); i++) {
      add(new EntryId(last.term(), first + i), run.get(i).callback());
    }
  }

  /**
   * Entries through lastIndex were applied, with these results (in index order): completes the
   * proposals waiting there, with the result when the entry at their index has their term, as lost
   * otherwise (with the refusal, if the result is one).
   */
  void applied(List<ApplyWorker.Result> results, long lastIndex) {
    Pending[] done;
    synchronized (this) {
      Pending head = queue.peekFirst();
      if (head == null || head.index() > lastIndex) return;
      int n = 0;
      for (Pending p : queue) {
        if (p.index() > lastIndex) break;
        n++;
      }
      done = new Pending[n];
      for (int i = 0; i < n; i++) done[i] = queue.pollFirst();
    }
    int r = 0;
    for (Pending p : done) {
      while (r < results.size() && results.get(r).index() < p.index()) r++;
      ApplyWorker.Result at =
          r < results.size() && results.get(r).index() == p.index() ? results.get(r) : null;
      if (at == null || at.term() != p.term()) {
        fail(
            p,
            new ProposalFailedException(
                ProposalFailedException.Kind.LEADERSHIP_LOST,
                "entry "
                    + p.index()
                    + " of term "
                    + p.term()
                    + " was not committed: leadership changed"));
      } else if (at.refused() != null) {
        fail(
            p,
            new ProposalFailedException(
                ProposalFailedException.Kind.SESSION_EXPIRED,
                at.refused() + "; open a new session"));
      } else {
        Callback.settle(logger, p.callback(), new Proposal(p.index(), at.value()), null);
      }
    }
  }

  /** Fails every waiting proposal (the node stopped). */
  void failAll(ProposalFailedException.Kind kind, String why) {
    Pending[] all;
    synchronized (this) {
      all = queue.toArray(new Pending[0]);
      queue.clear();
    }
    for (Pending p : all) fail(p, new ProposalFailedException(kind, why));
  }

  /** Fails the proposals above index (this log will not apply them); those at or below stay. */
  void failAbove(long index, ProposalFailedException.Kind kind, String why) {
    List<Pending> failed = new ArrayList<>();
    synchronized (this) {
      Pending last;
      while ((last = queue.peekLast()) != null && last.index() > index) {
        failed.add(queue.pollLast());
      }
    }
    for (int i = failed.size() - 1; i >= 0; i--) {
      fail(failed.get(i), new ProposalFailedException(kind, why));
    }
  }

  private void fail(Pending p, Throwable why) {
    Callback.settle(logger, p.callback(), null, why);
  }

  synchronized int size() {
    return queue.size();
  }
}
