package io.raftjvm.runtime;

import io.raftjvm.core.ConfChanges;
import io.raftjvm.core.RaftMetrics;
import io.raftjvm.core.Ready;
import io.raftjvm.core.Role;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.MessageType;
import io.raftjvm.proto.SnapshotMetadata;
import io.raftjvm.statemachine.StateMachine;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Carries out the core's Readies for a {@link NodeDriver}, on its loop, as {@link Ready} says:
 * sends the leader's traffic at once, hands the durable part to the log writer and what waited for
 * it to the network once written, committed entries and state machine events to the applier, reads
 * to the read tracker; and takes back what the writer and the applier report.
 */
final class ReadyCarrier {
  private final NodeDriver d;

  ReadyCarrier(NodeDriver d) {
    this.d = d;
    this.metrics = d.node.metrics();
    this.onCommitted = metrics::committed;
    this.onApplied = metrics::applied;
  }

  private final RaftMetrics metrics;
  private final LongConsumer onCommitted;
  private final LongConsumer onApplied;

  /** When the leader appended its batches, until they commit. Loop only. */
  private final IndexTimes appended = new IndexTimes(4096);

  /** When entries were learnt committed, until they are applied. Loop only. */
  private final IndexTimes committed = new IndexTimes(4096);

  /**
   * State machine events of the Ready being carried out, queued after its committed entries (they
   * were committed before the change). Loop only.
   */
  private final List<java.util.function.Consumer<StateMachine>> events = new ArrayList<>();

  /**
   * Readies handed to the writer whose after-persist messages wait for it, oldest first. Loop only.
   */
  private final ArrayDeque<Ready> unpersisted = new ArrayDeque<>();

  void drain() {
    d.drainScheduled = false;
    if (d.stopped || d.transport == null) return;
    try {
      long commitBefore = d.commit;
      List<Message> sendNow = new ArrayList<>();
      while (d.node.hasReady()) {
        Ready rd = d.node.ready();
        d.readyObserver.accept(rd);
        if (rd.snapshot() != null) installSnapshot(rd.snapshot().getMetadata());
        if (rd.softState() != null) onSoftState(rd);
        if (rd.confState() != null) {
          d.conf = rd.confState();
          d.transport.updateMembers(d.conf);
          announceConfiguration(d.conf);
          checkRemoved();
        }
        if ((rd.confState() != null || rd.softState() != null)
            && d.role != Role.LEADER
            && !ConfChanges.isMember(d.conf, d.id)
            && d.proposals.size() > 0) {
          // Removed: nothing beyond the commit index reaches this log any more, so proposals
          // there would only time out. Those at or below it are still applied here.
          d.proposals.failAbove(
              d.node.commitIndex(),
              ProposalFailedException.Kind.LEADERSHIP_LOST,
              "node "
                  + d.id
                  + " left the cluster before the command committed here; it may still commit");
        }
        for (Message m : rd.sendNow()) {
          if (m.getType() == MessageType.MSG_SNAPSHOT) sendSnapshot(m);
          else sendNow.add(m);
        }
        if (d.role == Role.LEADER && !rd.toPersist().isEmpty()) {
          metrics.proposed(rd.toPersist().size());
          appended.mark(
              rd.toPersist().get(rd.toPersist().size() - 1).getIndex(), System.nanoTime());
        }
        if (!rd.sendAfterPersist().isEmpty()) unpersisted.add(rd);
        d.writer.submit(rd);
        d.disk.submitted(rd.number(), d.runtime.monotonicMillis());
        if (!rd.toApply().isEmpty()) {
          long last = rd.toApply().get(rd.toApply().size() - 1).getIndex();
          // Published before the applier can answer a client for these entries: whoever hears
          // that a command took effect and then asks commitIndex() sees at least its entry.
          d.commit = Math.max(d.commit, last);
          d.applier.submit(rd.toApply());
          if (d.keeper != null) d.keeper.onApplyQueued(rd.toApply());
          d.reads.onHandedOut(last);
        }
        flushEvents();
        if (!rd.readStates().isEmpty()) d.reads.onReadStates(rd.readStates());
      }
      if (!sendNow.isEmpty()) d.transport.send(sendNow);
      d.term = d.node.term();
      long commit = d.node.commitIndex();
      if (commit > commitBefore) {
        long now = System.nanoTime();
        appended.reach(commit, now, onCommitted);
        committed.mark(commit, now);
      }
      d.commit = commit;
      d.lastIndex = d.node.lastIndex();
    } catch (RuntimeException e) {
      d.fail("invariant violated while draining", e);
    }
  }

  /**
   * A server the configuration no longer names (it has voters, so this is not a server waiting to
   * join) was removed: it says so once, with what to do.
   */
  void checkRemoved() {
    boolean member = ConfChanges.isMember(d.conf, d.id);
    if (member) {
      d.removed = false; // added (back)
      return;
    }
    if (d.conf.getVotersCount() > 0) {
      markRemoved(
          "its configuration (voters "
              + d.conf.getVotersList()
              + ", learners "
              + d.conf.getLearnersList()
              + ") no longer names it");
    }
  }

  /**
   * A peer says this server is not in its configuration: a removed server may never receive the
   * entry that removed it (the leader stops replicating to it), so this is how it learns. Believed
   * only by a server that has been a member somewhere (a server waiting to join has no voters).
   */
  void peerSaysNotMember(long peer, String notice) {
    if (d.conf == null || d.conf.getVotersCount() == 0) return;
    markRemoved("node " + peer + " says: " + notice);
  }

  private void markRemoved(String how) {
    if (!d.removed) {
      d.logger.warn(
          "node {} was removed from the cluster ({}): it takes no part any more; stop it, and"
              + " wipe its data directory before its id is added again",
          d.id,
          how);
    }
    d.removed = true;
  }

  /** The state machine hears of the configuration in force, in order with apply. */
  void announceConfiguration(ConfState c) {
    List<Long> voters = List.copyOf(c.getVotersList());
    List<Long> learners = List.copyOf(c.getLearnersList());
    events.add(sm -> sm.configurationChanged(voters, learners));
  }

  void flushEvents() {
    for (java.util.function.Consumer<StateMachine> e : events) d.applier.event(e);
    events.clear();
  }

  void onSoftState(Ready rd) {
    d.reads.failUnserved("leadership changed before the read was confirmed; retry it");
    Role was = d.role;
    long wasLeader = d.leader;
    d.role = rd.softState().role();
    d.leader = rd.softState().lead();
    if (d.leader != wasLeader || (d.role == Role.LEADER) != (was == Role.LEADER)) {
      long t = rd.hardState() != null ? rd.hardState().getTerm() : d.node.term();
      long lead = d.leader;
      boolean leads = d.role == Role.LEADER;
      events.add(sm -> sm.leaderChanged(t, lead, leads));
      metrics.leaderChanged();
    }
    if (d.role == Role.LEADER && was != Role.LEADER) {
      d.logger.info(
          "node {} became leader at term {}",
          d.id,
          rd.hardState() != null ? rd.hardState().getTerm() : d.term);
    } else if (was == Role.LEADER && d.role != Role.LEADER) {
      d.logger.info("node {} is no longer leader (now {}, leader {})", d.id, d.role, d.leader);
      appended.clear();
      // A deposed leader may never learn what happens to its uncommitted entries (it may be cut
      // off), so their clients hear at once and retry elsewhere; what is committed is applied here.
      d.proposals.failAbove(
          d.node.commitIndex(),
          ProposalFailedException.Kind.LEADERSHIP_LOST,
          "node " + d.id + " lost leadership before the command committed; it may still commit");
    }
  }

  void onDurable(long number) {
    if (d.stopped) return;
    if (d.disk.durable(number))
      d.logger.info("node {}: the log writer is making progress again", d.id);
    try {
      d.node.onPersisted(number);
      List<Message> out = new ArrayList<>();
      while (!unpersisted.isEmpty() && unpersisted.peek().number() <= number) {
        out.addAll(unpersisted.poll().sendAfterPersist());
      }
      if (!out.isEmpty()) d.transport.send(out);
    } catch (RuntimeException e) {
      d.fail("invariant violated after persisting", e);
      return;
    }
    drain();
  }

  /** On the apply thread: answer the waiting clients at once, then tell the core on its loop. */
  void appliedOnApplyThread(ApplyWorker.AppliedBatch a) {
    if (!d.stopped) {
      d.proposals.applied(a.results(), a.lastIndex());
    }
    d.loop.execute(() -> onApplied(a));
  }

  void onApplied(ApplyWorker.AppliedBatch a) {
    if (d.stopped) return;
    d.applied = a.lastIndex();
    committed.reach(a.lastIndex(), System.nanoTime(), onApplied);
    try {
      d.node.onApplied(a.lastIndex());
      if (d.keeper != null) d.keeper.maybeSnapshot(a.lastIndex());
    } catch (RuntimeException e) {
      d.fail("invariant violated after applying", e);
      return;
    }
    drain();
  }

  /**
   * The leader's snapshot was restored into the core's log: the state machine and the store follow.
   */
  void installSnapshot(SnapshotMetadata meta) {
    if (d.keeper == null)
      throw new IllegalStateException("node " + d.id + " keeps no snapshots but was sent one");
    d.keeper.install(meta);
  }

  /**
   * The core asks to send a snapshot: the transport streams it, then the core hears how it went.
   */
  void sendSnapshot(Message m) {
    if (d.keeper == null) {
      d.node.reportSnapshot(m.getTo(), false);
      return;
    }
    d.keeper.send(
        m,
        d.transport,
        ok ->
            d.loop.execute(
                () -> {
                  if (d.stopped) return;
                  d.node.reportSnapshot(m.getTo(), ok);
                  d.scheduleDrain();
                }));
  }
}
