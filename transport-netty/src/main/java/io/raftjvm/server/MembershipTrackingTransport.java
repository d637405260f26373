package io.raftjvm.server;

import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Message;
import io.raftjvm.runtime.SnapshotStore;
import io.raftjvm.runtime.Transport;
import io.raftjvm.transport.NettyTransport;
import java.util.List;
import java.util.function.Consumer;

/**
 * The transport as the node sees it: the Netty transport, and on every configuration change the
 * peer admission learns the new members too, so that a server added to the cluster can connect in.
 */
final class MembershipTrackingTransport implements Transport {
  private final NettyTransport transport;
  private final PeerAdmission admission;

  MembershipTrackingTransport(NettyTransport transport, PeerAdmission admission) {
    this.transport = transport;
    this.admission = admission;
  }

  @Override
  public void send(List<Message> messages) {
    transport.send(messages);
  }

  @Override
  public void sendSnapshot(Message message, SnapshotStore.Stored snapshot, Consumer<Boolean> done) {
    transport.sendSnapshot(message, snapshot, done);
  }

  @Override
  public void updateMembers(ConfState conf) {
    admission.membersChanged(conf);
    transport.updateMembers(conf);
  }
}
