package io.raftjvm.server;

import io.raftjvm.client.proto.FollowerProgress;
import io.raftjvm.client.proto.Membership;
import io.raftjvm.client.proto.NodeStatus;
import io.raftjvm.client.proto.ServerInfo;
import io.raftjvm.core.RaftNode;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Member;
import io.raftjvm.runtime.NodeDriver;

/** A node's {@link RaftNode.Status} as the admin protocol carries it. */
final class AdminStatus {
  private AdminStatus() {}

  /** The status taken on the node's loop, with what the driver publishes beside it. */
  static NodeStatus of(RaftNode.Status st, NodeDriver driver) {
    NodeStatus.Builder b =
        NodeStatus.newBuilder()
            .setId(st.id())
            .setRole(st.role().name())
            .setTerm(st.term())
            .setLeaderId(st.lead())
            .setCommit(st.commit())
            .setApplied(st.applied())
            .setLastIndex(st.lastIndex())
            .setConf(membership(st.conf()))
            .setSnapshotIndex(driver.snapshotIndex())
            .setRemoved(driver.removed());
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
                        .setRecentActive(p.recentActive())
                        .setInflight(p.inflight())));
    return b.build();
  }

  /** A node stopped on a failure: what it last published, and the failure. */
  static NodeStatus of(NodeDriver driver) {
    NodeStatus.Builder b =
        NodeStatus.newBuilder()
            .setId(driver.id())
            .setRole("FAILED")
            .setTerm(driver.term())
            .setLeaderId(driver.leader())
            .setCommit(driver.commitIndex())
            .setApplied(driver.appliedIndex())
            .setLastIndex(driver.lastIndex())
            .setSnapshotIndex(driver.snapshotIndex())
            .setRemoved(driver.removed());
    if (driver.confState() != null) b.setConf(membership(driver.confState()));
    Throwable f = driver.failure();
    if (f != null) {
      b.setFailure(f.getMessage() != null ? f.getMessage() : f.toString())
          .setFailedAtMs(driver.failedAtMillis());
    }
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
              .setClientAddress(m.getClientAddress())
              .setHttpAddress(m.getHttpAddress()));
    }
    return b.build();
  }
}
