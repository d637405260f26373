package io.raftjvm.runtime;

import io.raftjvm.core.EntryId;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Client proposals waiting for their entry to be applied, by log index. The node's loop adds them;
 * the apply thread completes them as soon as their entry is applied (one thread hop less on the way
 * back to the client). Safe for that pair: an index being applied is committed, so the loop never
 * adds at it again, and each proposal is removed (and completed) exactly once.
 *
 * <p>A proposal succeeds when the entry applied at its index has its term; if another term's entry
 * is applied there, leadership changed and the proposal was lost (§5.3: it was overwritten).
 */
final class ProposalRegistry {
  /** A proposal made at (term, index). */
  private record Pending(long term, CompletableFuture<Proposal> future) {}

  private final ConcurrentSkipListMap<Long, Pending> byIndex = new ConcurrentSkipListMap<>();

  void add(EntryId at, CompletableFuture<Proposal> future) {
    Pending old = byIndex.put(at.index(), new Pending(at.term(), future));
    if (old != null) {
      // Our earlier entry at this index was overwritten before anything was applied there.
      old.future()
          .completeExceptionally(
              new ProposalFailedException(
                  ProposalFailedException.Kind.LEADERSHIP_LOST,
                  "entry "
                      + at.index()
                      + " of term "
                      + old.term()
                      + " was replaced by a newer leader's entry"));
    }
  }

  /**
   * An entry was applied: completes the proposal at its index, if ours (with the refusal, if
   * refused).
   */
  void applied(ApplyWorker.Result r) {
    applied(r.index(), r.term(), r.value(), r.refused());
  }

  private void applied(long index, long term, byte[] result, String refused) {
    Iterator<Map.Entry<Long, Pending>> it = byIndex.headMap(index, true).entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, Pending> e = it.next();
      Pending p = e.getValue();
      if (!byIndex.remove(e.getKey(), p)) continue;
      if (e.getKey() == index && p.term() == term && refused != null) {
        p.future()
            .completeExceptionally(
                new ProposalFailedException(
                    ProposalFailedException.Kind.SESSION_EXPIRED,
                    refused + "; open a new session"));
      } else if (e.getKey() == index && p.term() == term) {
        p.future().complete(new Proposal(index, result));
      } else {
        p.future()
            .completeExceptionally(
                new ProposalFailedException(
                    ProposalFailedException.Kind.LEADERSHIP_LOST,
                    "entry "
                        + e.getKey()
                        + " of term "
                        + p.term()
                        + " was not committed: leadership changed"));
      }
    }
  }

  /** Everything up to lastIndex is applied: proposals still waiting there were lost. */
  void settleThrough(long lastIndex) {
    applied(lastIndex, -1, null, null);
  }

  /** Fails every waiting proposal (the node stopped). */
  void failAll(ProposalFailedException.Kind kind, String why) {
    Map.Entry<Long, Pending> e;
    while ((e = byIndex.pollFirstEntry()) != null) {
      e.getValue().future().completeExceptionally(new ProposalFailedException(kind, why));
    }
  }

  /** Fails the proposals above index (this log will not apply them); those at or below stay. */
  void failAbove(long index, ProposalFailedException.Kind kind, String why) {
    Map.Entry<Long, Pending> e;
    while ((e = byIndex.higherEntry(index)) != null) {
      if (byIndex.remove(e.getKey(), e.getValue())) {
        e.getValue().future().completeExceptionally(new ProposalFailedException(kind, why));
      }
    }
  }

  int size() {
    return byIndex.size();
  }
}
