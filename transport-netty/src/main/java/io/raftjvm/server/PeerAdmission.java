package io.raftjvm.server;

import io.raftjvm.core.ConfChanges;
import io.raftjvm.proto.ConfState;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Which servers may open a peer connection to this one (a security rule: checked at the hello,
 * after the cluster id). Admitted: the peers the config file names and every member any
 * configuration in the log has named since start. A server that is not (yet) a member of its own
 * latest configuration admits any server of its cluster: when it joins, the leader that adds it may
 * be one its config file never named. Called from I/O threads; members change on the node's loop.
 */
final class PeerAdmission {
  private final long self;
  private final Set<Long> known = ConcurrentHashMap.newKeySet();
  private final Supplier<ConfState> latest;

  /**
   * @param configured the peers named in the config file
   * @param latest the latest configuration in the log (null before the node starts)
   */
  PeerAdmission(long self, Collection<Long> configured, Supplier<ConfState> latest) {
    this.self = self;
    this.latest = latest;
    known.addAll(configured);
    known.remove(self);
  }

  boolean admits(long peer) {
    if (known.contains(peer)) return true;
    ConfState conf = latest.get();
    return conf == null || !ConfChanges.isMember(conf, self);
  }

  /** A configuration the node switched to: its members are admitted from now on. */
  void membersChanged(ConfState conf) {
    known.addAll(conf.getVotersList());
    known.addAll(conf.getLearnersList());
    known.remove(self);
  }
}
