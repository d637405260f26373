package io.raftjvm.server;

import io.raftjvm.client.proto.FollowerProgress;
import io.raftjvm.client.proto.Membership;
import io.raftjvm.client.proto.NodeStatus;
import io.raftjvm.client.proto.ServerInfo;
import io.raftjvm.core.RaftNode;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Member;

/** A node's {@link RaftNode.Status} as the admin protocol carries it. */
final class AdminStatus {
  private AdminStatus() {}

  static NodeStatus of(RaftNode.Status st) {
    NodeStatus.Builder b =
        NodeStatus.newBuilder()
            .setId(st.id())
            .setRole(st.role().name())
            .setTerm(st.term())
            .setLeaderId(st.lead())
            .setCommit(st.commit())
            .setApplied(st.applied())
            .setLastIndex(st.lastIndex())
            .setConf(membership(st.conf()));
    st.progress()
        .forEach(
            (id, p) ->
                b.addProgress(
                    FollowerProgress.newBuilder()
                        .setId(id)
                        .setMatch(p.match())
                        .setNext(p.next())
                        .setState(p.state())
                        .setLearner(p.learner())
                        .setRecentActive(p.recentActive())));
    return b.build();
  }

  /** The core's configuration in the client protocol's terms. */
  static Membership membership(ConfState conf) {
    Membership.Builder b =
        Membership.newBuilder()
            .addAllVoters(conf.getVotersList())
            .addAllLearners(conf.getLearnersList());
    for (Member m : conf.getMembersList()) {
      b.addMembers(
          ServerInfo.newBuilder()
              .setId(m.getId())
              .setPeerAddress(m.getPeerAddress())
              .setClientAddress(m.getClientAddress()));
    }
    return b.build();
  }
}
