package io.raftjvm.transport;

import io.raftjvm.proto.Message;
import java.util.List;

/**
 * Where inbound Raft messages go: the node. Called from Netty I/O threads with everything one read
 * burst decoded, so that the node steps them together and drains once. Must not block.
 */
public interface MessageSink {
  void deliver(List<Message> messages);
}
