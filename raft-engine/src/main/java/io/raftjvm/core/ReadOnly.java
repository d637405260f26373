package io.raftjvm.core;

import com.google.protobuf.ByteString;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Leader: reads waiting for a heartbeat round to confirm that it still leads (ReadIndex, thesis
 * §6.4). Each read remembers the commit index when it arrived; once a majority of voters answers a
 * heartbeat carrying its context, that read and every read queued before it may be served at their
 * indexes. Reads that arrive together share one round.
 */
final class ReadOnly {
  /** A read: from is the server that asked (the leader itself for its own clients). */
  static final class Pending {
    final long index;
    final ByteString context;
    final long from;
    final Set<Long> acks = new HashSet<>();

    Pending(long index, ByteString context, long from) {
      this.index = index;
      this.context = context;
      this.from = from;
    }
  }

  private final Map<ByteString, Pending> byContext = new HashMap<>();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();

  /** Queues a read at index; a context already queued is ignored. Returns whether it was added. */
  boolean add(long index, ByteString context, long from) {
    if (byContext.containsKey(context)) return false;
    Pending p = new Pending(index, context, from);
    byContext.put(context, p);
    queue.addLast(p);
    return true;
  }

  /**
   * Records that id answered the round of context; returns who has, or null for an unknown read.
   */
  Set<Long> ack(long id, ByteString context) {
    Pending p = byContext.get(context);
    if (p == null) return null;
    p.acks.add(id);
    return p.acks;
  }

  /** Removes and returns the read of context and every read queued before it, oldest first. */
  List<Pending> release(ByteString context) {
    List<Pending> out = new ArrayList<>();
    if (!byContext.containsKey(context)) return out;
    while (!queue.isEmpty()) {
      Pending p = queue.pollFirst();
      byContext.remove(p.context);
      out.add(p);
      if (p.context.equals(context)) break;
    }
    return out;
  }

  /**
   * Context of the newest read still waiting (heartbeats carry it, so a lost round is retried), or
   * empty.
   */
  ByteString lastContext() {
    return queue.isEmpty() ? ByteString.EMPTY : queue.peekLast().context;
  }

  void clear() {
    byContext.clear();
    queue.clear();
  }
}
