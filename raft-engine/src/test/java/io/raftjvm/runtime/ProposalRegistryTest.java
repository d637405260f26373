package io.raftjvm.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.core.EntryId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ProposalRegistryTest {
  private static ApplyWorker.Result result(long index, long term) {
    return new ApplyWorker.Result(index, term, new byte[] {(byte) index}, null);
  }

  private static ProposalFailedException.Kind failure(CompletableFuture<Proposal> f) {
    assertTrue(f.isCompletedExceptionally(), "expected a failed proposal");
    CompletionException e =
        org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, f::join);
    return assertInstanceOf(ProposalFailedException.class, e.getCause()).kind();
  }

  @Test
  void failAboveLeavesWhatThisLogWillStillApply() {
    ProposalRegistry r = new ProposalRegistry((level, line) -> {});
    Callback.Future<Proposal> committed = new Callback.Future<>();
    Callback.Future<Proposal> beyond = new Callback.Future<>();
    r.add(new EntryId(2, 10), committed);
    r.add(new EntryId(2, 11), beyond);
    r.failAbove(10, ProposalFailedException.Kind.LEADERSHIP_LOST, "removed");
    assertFalse(committed.isDone());
    assertEquals(ProposalFailedException.Kind.LEADERSHIP_LOST, failure(beyond));
    r.applied(List.of(result(10, 2)), 10);
    assertEquals(10, committed.join().index());
    assertEquals(0, r.size());
  }

  @Test
  void aProposalOverwrittenByAnotherTermFails() {
    ProposalRegistry r = new ProposalRegistry((level, line) -> {});
    Callback.Future<Proposal> f = new Callback.Future<>();
    r.add(new EntryId(2, 10), f);
    r.applied(List.of(result(10, 3)), 10);
    assertEquals(ProposalFailedException.Kind.LEADERSHIP_LOST, failure(f));
  }

  /** §5.3: a new leader's entries replace ours at the same indexes before any is applied. */
  @Test
  void anAddAtOrBelowTheTailFailsTheProposalsItReplaces() {
    ProposalRegistry r = new ProposalRegistry((level, line) -> {});
    List<CompletableFuture<Proposal>> old = new ArrayList<>();
    for (long i = 10; i <= 12; i++) {
      Callback.Future<Proposal> f = new Callback.Future<>();
      r.add(new EntryId(2, i), f);
      old.add(f);
    }
    Callback.Future<Proposal> again = new Callback.Future<>();
    r.add(new EntryId(4, 11), again);
    assertFalse(old.get(0).isDone());
    assertEquals(ProposalFailedException.Kind.LEADERSHIP_LOST, failure(old.get(1)));
    assertEquals(ProposalFailedException.Kind.LEADERSHIP_LOST, failure(old.get(2)));
    assertEquals(2, r.size());
    r.applied(List.of(result(10, 2), result(11, 4)), 11);
    assertEquals(10, old.get(0).join().index());
    assertEquals(11, again.join().index());
    assertEquals(11, again.join().result()[0]);
  }

  @Test
  void aBatchCompletesEachProposalWithItsOwnResultAndLeavesLaterOnesWaiting() {
    ProposalRegistry r = new ProposalRegistry((level, line) -> {});
    List<CompletableFuture<Proposal>> fs = new ArrayList<>();
    for (long i = 1; i <= 6; i++) {
      Callback.Future<Proposal> f = new Callback.Future<>();
      if (i != 3) r.add(new EntryId(1, i), f); // index 3 is another client's (no proposal here)
      fs.add(f);
    }
    // Entry 2 has no result (an empty or configuration entry); entry 4 was refused.
    r.applied(
        List.of(
            result(1, 1),
            result(3, 1),
            new ApplyWorker.Result(4, 1, null, "session 7 expired"),
            result(5, 1)),
        5);
    assertEquals(1, fs.get(0).join().result()[0]);
    assertEquals(ProposalFailedException.Kind.LEADERSHIP_LOST, failure(fs.get(1)));
    assertFalse(fs.get(2).isDone());
    assertEquals(ProposalFailedException.Kind.SESSION_EXPIRED, failure(fs.get(3)));
    assertEquals(5, fs.get(4).join().result()[0]);
    assertFalse(fs.get(5).isDone());
    assertEquals(1, r.size());
    r.applied(List.of(), 6); // applied from a snapshot: no result for 6 here
    assertEquals(ProposalFailedException.Kind.LEADERSHIP_LOST, failure(fs.get(5)));
    assertEquals(0, r.size());
  }

  @Test
  void failAllEmptiesTheQueue() {
    ProposalRegistry r = new ProposalRegistry((level, line) -> {});
    Callback.Future<Proposal> a = new Callback.Future<>();
    Callback.Future<Proposal> b = new Callback.Future<>();
    r.add(new EntryId(1, 1), a);
    r.add(new EntryId(1, 2), b);
    r.failAll(ProposalFailedException.Kind.UNAVAILABLE, "stopped");
    assertEquals(ProposalFailedException.Kind.UNAVAILABLE, failure(a));
    assertEquals(ProposalFailedException.Kind.UNAVAILABLE, failure(b));
    assertEquals(0, r.size());
  }

  @Test
  void aCallbackThatThrowsLeavesTheOthersSettled() {
    List<String> logged = new ArrayList<>();
    ProposalRegistry r = new ProposalRegistry((level, line) -> logged.add(level + " " + line));
    List<Long> settled = new ArrayList<>();
    r.add(
        new EntryId(1, 1),
        (p, t) -> {
          settled.add(p.index());
          throw new IllegalStateException("a broken callback");
        });
    r.add(new EntryId(1, 2), (p, t) -> settled.add(p.index()));
    r.applied(List.of(result(1, 1), result(2, 1)), 2);
    assertEquals(List.of(1L, 2L), settled);
    assertEquals(0, r.size());
    assertEquals(
        List.of(
            "WARN a request's callback failed: java.lang.IllegalStateException: a broken callback"),
        logged);
  }
}
