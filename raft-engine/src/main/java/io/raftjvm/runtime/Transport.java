package io.raftjvm.runtime;

import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Message;
import java.util.List;
import java.util.function.Consumer;

/**
 * Carries Raft messages to peers. Called on the node's loop thread only.
 *
 * <p>Never blocks and never queues without bound: a message that cannot go out now (no connection,
 * channel not writable) is dropped, and the transport reports the peer unreachable to the node,
 * whose Progress for it falls back to probing. Raft retries what matters.
 */
public interface Transport {
  /** Sends each message to {@code message.getTo()}; one flush per peer per call. */
  void send(List<Message> messages);

  /**
   * The configuration in force changed (or the node started with it): its members' addresses are
   * the ones to reach. Members that left may be disconnected.
   */
  default void updateMembers(ConfState conf) {}

  /**
   * Streams a snapshot to {@code message.getTo()}: its data in chunks, then the message itself, so
   * that the follower steps it only once it holds the whole, checked data. Calls done (on any
   * thread) with whether the stream went through. A transport that cannot stream reports false.
   */
  default void sendSnapshot(
      Message message, SnapshotStore.Stored snapshot, Consumer<Boolean> done) {
    done.accept(false);
  }
}
