package io.raftjvm.server;

import io.raftjvm.core.RaftNode;
import io.raftjvm.proto.MemberProgress;
import io.raftjvm.proto.NodeStatus;

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
            .setConf(st.conf());
    st.progress()
        .forEach(
            (id, p) ->
                b.addProgress(
                    MemberProgress.newBuilder()
                        .setId(id)
                        .setMatch(p.match())
                        .setNext(p.next())
                        .setState(p.state())
                        .setLearner(p.learner())
                        .setRecentActive(p.recentActive())));
    return b.build();
  }
}
