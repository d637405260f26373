package io.raftjvm.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.core.EntryId;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ProposalRegistryTest {
  @Test
  void failAboveLeavesWhatThisLogWillStillApply() {
    ProposalRegistry r = new ProposalRegistry();
    CompletableFuture<Proposal> committed = new CompletableFuture<>();
    CompletableFuture<Proposal> beyond = new CompletableFuture<>();
    r.add(new EntryId(2, 10), committed);
    r.add(new EntryId(2, 11), beyond);
    r.failAbove(10, ProposalFailedException.Kind.LEADERSHIP_LOST, "removed");
    assertFalse(committed.isDone());
    assertTrue(beyond.isCompletedExceptionally());
    r.applied(new ApplyWorker.Result(10, 2, new byte[0], null));
    assertEquals(10, committed.join().index());
    assertEquals(0, r.size());
  }

  @Test
  void aProposalOverwrittenByAnotherTermFails() {
    ProposalRegistry r = new ProposalRegistry();
    CompletableFuture<Proposal> f = new CompletableFuture<>();
    r.add(new EntryId(2, 10), f);
    r.applied(new ApplyWorker.Result(10, 3, new byte[0], null));
    assertTrue(f.isCompletedExceptionally());
  }
}
