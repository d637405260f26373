package io.raftjvm.core.sim;

import static io.raftjvm.proto.MessageType.MSG_APPEND;
import static io.raftjvm.proto.MessageType.MSG_APPEND_RESPONSE;

import io.raftjvm.core.Ready;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.MessageType;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Every message the nodes of a {@link SimCluster} hand out (each Ready's sendNow and
 * sendAfterPersist), for tests that measure traffic. It counts what the nodes sent, not what the
 * network delivered, and it includes after-persist messages of a write that a crash then lost.
 *
 * <p>Stateful: one per cluster, installed with {@link #install(SimCluster)}.
 */
final class MessageTally {
  /** Every message handed out since the last {@link #reset()}, in order. */
  private final List<Message> sent = new ArrayList<>();

  private MessageTally() {}

  /** Chains a new tally onto the cluster's readyObserver. */
  static MessageTally install(SimCluster sim) {
    MessageTally tally = new MessageTally();
    Consumer<Ready> previous = sim.readyObserver;
    sim.readyObserver =
        rd -> {
          previous.accept(rd);
          tally.sent.addAll(rd.sendNow());
          tally.sent.addAll(rd.sendAfterPersist());
        };
    return tally;
  }

  void reset() {
    sent.clear();
  }

  long count(Predicate<Message> which) {
    return sent.stream().filter(which).count();
  }

  long count(MessageType type) {
    return count(m -> m.getType() == type);
  }

  /** Messages of type from one node to another. */
  long count(MessageType type, long from, long to) {
    return count(m -> m.getType() == type && m.getFrom() == from && m.getTo() == to);
  }

  /** Appends (empty ones included) sent to node to. */
  long appendsTo(long to) {
    return count(m -> m.getType() == MSG_APPEND && m.getTo() == to);
  }

  /** Appends that carry at least one entry, sent to node to. */
  long appendsWithEntriesTo(long to) {
    return count(m -> m.getType() == MSG_APPEND && m.getTo() == to && m.getEntriesCount() > 0);
  }

  /** Append responses in which node from rejects the leader's prevLogIndex/prevLogTerm (§5.3). */
  long appendRejectionsFrom(long from) {
    return count(m -> m.getType() == MSG_APPEND_RESPONSE && m.getFrom() == from && m.getReject());
  }

  /** Message counts by type, for failure messages and reports. */
  Map<MessageType, Long> byType() {
    Map<MessageType, Long> out = new EnumMap<>(MessageType.class);
    for (Message m : sent) out.merge(m.getType(), 1L, Long::sum);
    return out;
  }
}
