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
 * Linearizable reads (ReadIndex, thesis §6.4), on the node's loop. A read asks the core for a read
 * index (the reads of one drain share one heartbeat round); once its index is known and every entry
 * up to it has been handed to the applier, the query is queued on the apply thread behind them, so
 * it sees every write committed before the read began, and no log entry is written for it.
 *
 * <p>A read that has no index yet when leadership changes is failed (the client retries it): the
 * leader it waited on may be gone. A read with an index is served whatever happens next.
 */
final class Reads {
  private record Pending(byte[] query, CompletableFuture<byte[]> result) {}

  private final ApplyWorker applier;
  private long nextContext;

  /** Reads waiting for their index, by context. */
  private final Map<ByteString, Pending> asked = new HashMap<>();

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

  /** Asks for a read; throws NotLeaderException (from the core) when no leader is known. */
  void ask(RaftNode node, byte[] query, CompletableFuture<byte[]> result) {
    ByteString context = ByteString.copyFrom(ByteBuffer.allocate(8).putLong(nextContext++).array());
    node.readIndex(context);
    if (metrics != RaftMetrics.NONE) {
      long asked = System.nanoTime();
      result.whenComplete((v, t) -> metrics.readAnswered(System.nanoTime() - asked, t != null));
    }
    if (asked.size() >= 4096)
      asked.values().removeIf(p -> p.result().isDone()); // timed out meanwhile
    asked.put(context, new Pending(query, result));
  }

  /** The core answered reads: each is served once its index is handed out. */
  void onReadStates(List<ReadState> states) {
    for (ReadState rs : states) {
      Pending p = asked.remove(rs.context());
      if (p == null) continue; // failed meanwhile, or a duplicated answer
      if (rs.index() <= handedOut || serveEarly) applier.query(p.query(), p.result());
      else waiting.computeIfAbsent(rs.index(), i -> new ArrayList<>()).add(p);
    }
  }

  /** Entries up to index were handed to the applier. */
  void onHandedOut(long index) {
    handedOut = Math.max(handedOut, index);
    var ready = waiting.headMap(handedOut, true);
    ready.values().forEach(list -> list.forEach(p -> applier.query(p.query(), p.result())));
    ready.clear();
  }

  /** Leadership changed: reads still waiting for their index may never get one. */
  void failUnserved(String why) {
    asked
        .values()
        .forEach(
            p ->
                p.result()
                    .completeExceptionally(
                        new ProposalFailedException(
                            ProposalFailedException.Kind.LEADERSHIP_LOST, why)));
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
