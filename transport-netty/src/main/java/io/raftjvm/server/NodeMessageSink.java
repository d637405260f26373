package io.raftjvm.server;

import io.raftjvm.core.ConfChanges;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.SnapshotChunk;
import io.raftjvm.runtime.NodeDriver;
import io.raftjvm.transport.MessageSink;
import io.raftjvm.transport.NettyTransport;
import io.raftjvm.transport.SnapshotReceiver;
import java.util.List;

/**
 * Where the peer port delivers: Raft messages to the node, a peer's advertised address to the
 * transport, snapshot chunks and the message that ends a snapshot stream to the snapshot receiver
 * (which hands that message to the node once the data is complete and checked).
 */
final class NodeMessageSink implements MessageSink {
  private final NodeDriver driver;
  private final NettyTransport transport;
  private final SnapshotReceiver snapshots;

  NodeMessageSink(NodeDriver driver, NettyTransport transport, SnapshotReceiver snapshots) {
    this.driver = driver;
    this.transport = transport;
    this.snapshots = snapshots;
  }

  @Override
  public void deliver(List<Message> messages) {
    driver.deliver(messages);
  }

  @Override
  public void peerAddress(long peer, String address) {
    transport.learnPeer(peer, address);
  }

  @Override
  public void snapshotChunk(long peer, SnapshotChunk chunk) {
    snapshots.chunk(peer, chunk);
  }

  @Override
  public void snapshotMessage(Message message) {
    snapshots.message(message);
  }

  @Override
  public String notMember(long peer) {
    ConfState conf = driver.confState();
    if (conf == null
        || conf.getVotersCount() == 0
        || !ConfChanges.isMember(conf, driver.id())
        || ConfChanges.isMember(conf, peer)) {
      return null;
    }
    return "node "
        + peer
        + " is not in the configuration of node "
        + driver.id()
        + " (voters "
        + conf.getVotersList()
        + ", learners "
        + conf.getLearnersList()
        + "): it was removed";
  }
}
