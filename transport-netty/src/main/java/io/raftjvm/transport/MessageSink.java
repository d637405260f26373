package io.raftjvm.transport;

import io.raftjvm.proto.Message;
import io.raftjvm.proto.SnapshotChunk;
import java.util.List;

/**
 * Where inbound Raft messages go: the node. Called from Netty I/O threads with everything one read
 * burst decoded, so that the node steps them together and drains once. Must not block.
 */
public interface MessageSink {
  void deliver(List<Message> messages);

  /** A peer that connected named the address where it accepts connections. */
  default void peerAddress(long peer, String address) {}

  /** A piece of a snapshot from peer; a sink that cannot receive snapshots drops it. */
  default void snapshotChunk(long peer, SnapshotChunk chunk) {}

  /**
   * The MSG_SNAPSHOT message that ends a snapshot stream. Never delivered as a plain message: only
   * a sink that received and checked the data may pass it to the node. Dropped by default.
   */
  default void snapshotMessage(Message message) {}

  /**
   * Whether peer, which asks for votes, is a member of this server's configuration: null if it is
   * (or this server cannot tell), else a one-line notice to send it back. Asked on vote requests
   * only (never on the replication path).
   */
  default String notMember(long peer) {
    return null;
  }
}
