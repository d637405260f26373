package io.raftjvm.runtime;

import com.google.protobuf.ByteString;
import io.raftjvm.core.RaftMetrics;
import io.raftjvm.core.RaftNode;
import io.raftjvm.core.ReadState;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Linearizable reads (ReadIndex, thesis §6.4), on the node's loop. The reads that reach the loop
 * together ask the core for one read index under one context (one heartbeat round and one entry in
 * the core's queue of waiting reads, however many reads); once that index is known and every entry
 * up to it has been handed to the applier, their queries are queued on the apply thread behind
 * those entries, so each sees every write committed before it began, and no log entry is written.
 *
 * <p>A read that has no index yet when leadership changes is failed (the client retries it): the
 * leader it waited on may be gone. A read with an index is served whatever happens next.
 */
final class Reads {
  /** A read: its query and where its answer goes. */
  record Pending(byte[] query, CompletableFuture<byte[]> result) {}

  private final ApplyWorker applier;
  private long nextContext;

  /** Reads waiting for their index, by the context their group asked under. */
  private final Map<ByteString, List<Pending>> asked = new HashMap<>();

  /** Reads with an index not yet handed to the applier, by index. */
  private final TreeMap<Long, List<Pending>> waiting = new TreeMap<>();

  /** Highest index handed to the applier. */
  private long handedOut;

  /** The planted bug READ_BEFORE_APPLYING_READ_INDEX (simulation only). */
  private final boolean serveEarly;

  private final RaftMetrics metrics;

  Reads(ApplyWorker applier, boolean serveEarly, RaftMetrics metrics) {
    this.applier = applier;
    this.serveEarly = serveEarly;
    this.metrics = metrics;
  }

  /**
   * Asks for one read index for a group of reads (the list is kept); throws NotLeaderException
   * (from the core) when no leader is known, and then none of them is queued.
   */
  void ask(RaftNode node, List<Pending> group) {
    if (group.isEmpty()) return;
    ByteString context = ByteString.copyFrom(ByteBuffer.allocate(8).putLong(nextContext++).array());
    node.readIndex(context);
    if (metrics != RaftMetrics.NONE) {
      long askedAt = System.nanoTime();
      for (Pending p : group)
        p.result()
            .whenComplete((v, t) -> metrics.readAnswered(System.nanoTime() - askedAt, t != null));
    }
    if (asked.size() >= 4096) // timed out meanwhile
    asked.values().removeIf(list -> list.stream().allMatch(p -> p.result().isDone()));
    asked.put(context, group);
  }

  /** The core answered reads: each group is served once its index is handed out. */
  void onReadStates(List<ReadState> states) {
    for (ReadState rs : states) {
      List<Pending> group = asked.remove(rs.context());
      if (group == null) continue; // failed meanwhile, or a duplicated answer
      if (rs.index() <= handedOut || serveEarly) serve(group);
      else waiting.computeIfAbsent(rs.index(), i -> new ArrayList<>()).addAll(group);
    }
  }

  /** Entries up to index were handed to the applier. */
  void onHandedOut(long index) {
    handedOut = Math.max(handedOut, index);
    if (waiting.isEmpty() || waiting.firstKey() > handedOut) return;
    var ready = waiting.headMap(handedOut, true);
    ready.values().forEach(this::serve);
    ready.clear();
  }

  private void serve(List<Pending> group) {
    applier.queries(group);
  }

  /** Leadership changed: reads still waiting for their index may never get one. */
  void failUnserved(String why) {
    asked
        .values()
        .forEach(
            group ->
                group.forEach(
                    p ->
                        p.result()
                            .completeExceptionally(
                                new ProposalFailedException(
                                    ProposalFailedException.Kind.LEADERSHIP_LOST, why))));
    asked.clear();
  }

  /** The node stopped: every read fails. */
  void failAll(String why) {
    failUnserved(why);
    waiting
        .values()
        .forEach(
            list ->
                list.forEach(
                    p ->
                        p.result()
                            .completeExceptionally(
                                new ProposalFailedException(
                                    ProposalFailedException.Kind.UNAVAILABLE, why))));
    waiting.clear();
  }
}
