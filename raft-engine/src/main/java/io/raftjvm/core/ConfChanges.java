package io.raftjvm.core;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftjvm.proto.ConfChange;
import io.raftjvm.proto.ConfChangeType;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import io.raftjvm.proto.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Single-server membership changes (thesis §4.1): how one {@link ConfChange} turns a configuration
 * into the next, and the encoding of configuration entries. Pure functions.
 */
public final class ConfChanges {
  private ConfChanges() {}

  /** A new server joins as a learner with these addresses. */
  public static ConfChange addLearner(long id, String peerAddress, String clientAddress) {
    return addLearner(id, peerAddress, clientAddress, "");
  }

  /** A new server joins as a learner with these addresses (httpAddress may be empty). */
  public static ConfChange addLearner(
      long id, String peerAddress, String clientAddress, String httpAddress) {
    return ConfChange.newBuilder()
        .setType(ConfChangeType.CONF_ADD_LEARNER)
        .setNodeId(id)
        .setMember(
            Member.newBuilder()
                .setId(id)
                .setPeerAddress(peerAddress)
                .setClientAddress(clientAddress)
                .setHttpAddress(httpAddress))
        .build();
  }

  public static ConfChange promote(long id) {
    return ConfChange.newBuilder().setType(ConfChangeType.CONF_PROMOTE).setNodeId(id).build();
  }

  public static ConfChange remove(long id) {
    return ConfChange.newBuilder().setType(ConfChangeType.CONF_REMOVE).setNodeId(id).build();
  }

  /**
   * The first entry of a new cluster's log (index 1, term 1): its founding configuration. Every
   * founding server writes the same entry, so their logs agree on it before any election (as etcd's
   * bootstrap does); a server that joins later receives it like any other entry.
   */
  public static Entry initialEntry(ConfState conf) {
    validate(conf);
    if (conf.getVotersCount() == 0)
      throw new IllegalArgumentException("a cluster needs at least one voter");
    ConfChange cc =
        ConfChange.newBuilder().setType(ConfChangeType.CONF_INITIAL).setInitial(conf).build();
    return Entry.newBuilder()
        .setIndex(1)
        .setTerm(1)
        .setType(EntryType.ENTRY_CONF_CHANGE)
        .setData(cc.toByteString())
        .build();
  }

  /**
   * Disaster recovery: the entry that forces conf on a server's log, at index (its last index + 1)
   * and term (above every term it has seen). Written offline by the recovery, never proposed: the
   * server that holds it treats it, and everything before it, as committed, which nothing in Raft
   * decided (see {@code runtime.ForcedRecovery} for what that risks).
   */
  public static Entry forcedEntry(long index, long term, ConfState conf) {
    validate(conf);
    if (conf.getVotersCount() == 0)
      throw new IllegalArgumentException("a cluster needs at least one voter");
    ConfChange cc =
        ConfChange.newBuilder().setType(ConfChangeType.CONF_FORCE_NEW).setInitial(conf).build();
    return Entry.newBuilder()
        .setIndex(index)
        .setTerm(term)
        .setType(EntryType.ENTRY_CONF_CHANGE)
        .setData(cc.toByteString())
        .build();
  }

  /** The ConfChange an ENTRY_CONF_CHANGE entry carries. */
  public static ConfChange decode(Entry e) {
    if (e.getType() != EntryType.ENTRY_CONF_CHANGE) {
      throw new IllegalArgumentException(
          "entry " + e.getIndex() + " is not a configuration change");
    }
    try {
      return ConfChange.parseFrom(e.getData());
    } catch (InvalidProtocolBufferException ex) {
      throw new IllegalStateException(
          "entry " + e.getIndex() + " holds a corrupt configuration change", ex);
    }
  }

  /**
   * The configuration after change cc, or IllegalArgumentException naming why cc does not apply to
   * conf (adding an existing id, promoting a non-learner, removing a non-member or the last voter).
   */
  public static ConfState apply(ConfState conf, ConfChange cc) {
    long id = cc.getNodeId();
    TreeSet<Long> voters = new TreeSet<>(conf.getVotersList());
    TreeSet<Long> learners = new TreeSet<>(conf.getLearnersList());
    TreeMap<Long, Member> members = new TreeMap<>();
    for (Member m : conf.getMembersList()) members.put(m.getId(), m);
    switch (cc.getType()) {
      case CONF_INITIAL, CONF_FORCE_NEW -> {
        return validate(cc.getInitial());
      }
      case CONF_ADD_LEARNER -> {
        requireId(id);
        if (voters.contains(id))
          throw new IllegalArgumentException("node " + id + " is already a voter");
        if (learners.contains(id))
          throw new IllegalArgumentException("node " + id + " is already a learner");
        if (cc.getMember().getId() != id) {
          throw new IllegalArgumentException(
              "add-learner " + id + " carries the addresses of node " + cc.getMember().getId());
        }
        learners.add(id);
        members.put(id, cc.getMember());
      }
      case CONF_PROMOTE -> {
        requireId(id);
        if (voters.contains(id))
          throw new IllegalArgumentException("node " + id + " is already a voter");
        if (!learners.contains(id))
          throw new IllegalArgumentException("node " + id + " is not a learner");
        learners.remove(id);
        voters.add(id);
      }
      case CONF_REMOVE -> {
        requireId(id);
        if (voters.contains(id)) {
          if (voters.size() == 1) {
            throw new IllegalArgumentException(
                "node " + id + " is the last voter: a cluster needs one");
          }
          voters.remove(id);
        } else if (!learners.remove(id)) {
          throw new IllegalArgumentException("node " + id + " is not a member");
        }
        members.remove(id);
      }
      default ->
          throw new IllegalArgumentException("unknown configuration change type " + cc.getType());
    }
    return ConfState.newBuilder()
        .addAllVoters(voters)
        .addAllLearners(learners)
        .addAllMembers(members.values())
        .build();
  }

  /** Whether id votes or learns in conf. */
  public static boolean isMember(ConfState conf, long id) {
    return conf.getVotersList().contains(id) || conf.getLearnersList().contains(id);
  }

  /** The addresses conf names for id, or null. */
  public static Member member(ConfState conf, long id) {
    for (Member m : conf.getMembersList()) if (m.getId() == id) return m;
    return null;
  }

  private static void requireId(long id) {
    if (id <= 0) throw new IllegalArgumentException("node id must be positive, got " + id);
  }

  /** conf with sorted, duplicate-free ids; refuses overlaps and addresses of non-members. */
  private static ConfState validate(ConfState conf) {
    TreeSet<Long> voters = new TreeSet<>(conf.getVotersList());
    TreeSet<Long> learners = new TreeSet<>(conf.getLearnersList());
    if (voters.size() != conf.getVotersCount() || learners.size() != conf.getLearnersCount()) {
      throw new IllegalArgumentException("configuration lists a server twice: " + conf);
    }
    for (long id : voters) requireId(id);
    for (long id : learners) {
      requireId(id);
      if (voters.contains(id))
        throw new IllegalArgumentException("node " + id + " is both voter and learner");
    }
    TreeMap<Long, Member> members = new TreeMap<>();
    for (Member m : conf.getMembersList()) {
      if (!voters.contains(m.getId()) && !learners.contains(m.getId())) {
        throw new IllegalArgumentException(
            "addresses given for node " + m.getId() + ", which is not a member");
      }
      if (members.put(m.getId(), m) != null) {
        throw new IllegalArgumentException("addresses given twice for node " + m.getId());
      }
    }
    return ConfState.newBuilder()
        .addAllVoters(voters)
        .addAllLearners(learners)
        .addAllMembers(members.values())
        .build();
  }

  /** Ids of voters and learners, ascending. */
  static List<Long> memberIds(ConfState conf) {
    List<Long> ids = new ArrayList<>(conf.getVotersList());
    ids.addAll(conf.getLearnersList());
    ids.sort(null);
    return ids;
  }
}
