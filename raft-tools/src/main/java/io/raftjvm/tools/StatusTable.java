package io.raftjvm.tools;

import io.raftjvm.client.proto.FollowerProgress;
import io.raftjvm.client.proto.Membership;
import io.raftjvm.client.proto.NodeStatus;
import io.raftjvm.client.proto.ServerInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Renders the answers of {@code raft-admin status} as text: a line naming the leader, then one row
 * per member. Pure: no I/O, so tests feed it hand-built {@link NodeStatus} protos.
 *
 * <p>Rows are the union of every answering server's configuration (voters and learners) and the
 * answering servers themselves, in id order. MEMBER (VOTER, LEARNER, or "-" for a server not in it)
 * and ADDRESS come from the reference configuration: the leader's, else the one of the server with
 * the highest (term, last index). MATCH, LAG (leader's last index minus match) and STATE come from
 * the leader's progress. An address that did not answer and names no member becomes a row with id
 * "?".
 */
final class StatusTable {
  static final String UNREACHABLE = "unreachable";
  private static final String NONE = "-";
  private static final String[] HEADER = {
    "ID", "MEMBER", "ADDRESS", "ROLE", "TERM", "COMMIT", "APPLIED", "MATCH", "LAG", "STATE"
  };
  private static final Comparator<NodeStatus> NEWEST =
      Comparator.comparingLong(NodeStatus::getTerm).thenComparingLong(NodeStatus::getLastIndex);

  private StatusTable() {}

  /** One server's answer to a status request; {@code status} is null when it did not answer. */
  record Probe(String address, NodeStatus status, String error) {
    static Probe answered(String address, NodeStatus status) {
      return new Probe(address, status, null);
    }

    static Probe unreachable(String address, String error) {
      return new Probe(address, null, error);
    }
  }

  /** The leader among the answers: role LEADER at the highest term; empty when none. */
  static Optional<NodeStatus> leader(List<Probe> probes) {
    return answers(probes).stream().filter(s -> "LEADER".equals(s.getRole())).max(NEWEST);
  }

  /** The first line, then the header, then one line per row; columns padded to align. */
  static List<String> format(List<Probe> probes) {
    List<NodeStatus> answers = answers(probes);
    Optional<NodeStatus> leader = leader(probes);
    Membership conf =
        leader
            .or(() -> answers.stream().max(NEWEST))
            .map(NodeStatus::getConf)
            .orElse(Membership.getDefaultInstance());

    TreeSet<Long> ids = new TreeSet<>();
    Map<Long, String> addresses = new HashMap<>();
    for (NodeStatus s : answers) {
      ids.add(s.getId());
      ids.addAll(s.getConf().getVotersList());
      ids.addAll(s.getConf().getLearnersList());
      addAddresses(addresses, s.getConf());
    }
    addresses.putAll(clientAddresses(conf)); // the reference configuration wins
    Map<Long, NodeStatus> byId = new HashMap<>();
    Map<Long, String> askedAt = new HashMap<>();
    for (Probe p : probes) {
      if (p.status() != null) {
        byId.putIfAbsent(p.status().getId(), p.status());
        askedAt.putIfAbsent(p.status().getId(), p.address());
      }
    }
    Map<Long, FollowerProgress> progress = new HashMap<>();
    leader.ifPresent(l -> l.getProgressList().forEach(m -> progress.put(m.getId(), m)));
    long leaderLast = leader.map(NodeStatus::getLastIndex).orElse(0L);

    List<String[]> rows = new ArrayList<>();
    rows.add(HEADER);
    for (long id : ids) {
      String address = addresses.getOrDefault(id, askedAt.getOrDefault(id, NONE));
      String[] row =
          row(id, membership(conf, id), address, byId.get(id), progress.get(id), leaderLast);
      if (byId.get(id) == null) {
        row[3] = asked(probes, address) ? UNREACHABLE : "unknown";
      }
      rows.add(row);
    }
    for (Probe p : probes) {
      if (p.status() == null && !addresses.containsValue(p.address())) {
        String[] row = row(0, NONE, p.address(), null, null, 0);
        row[0] = "?";
        row[3] = UNREACHABLE;
        rows.add(row);
      }
    }
    List<String> lines = new ArrayList<>();
    lines.add(headline(answers, leader));
    lines.addAll(align(rows));
    return lines;
  }

  private static String headline(List<NodeStatus> answers, Optional<NodeStatus> leader) {
    if (leader.isPresent()) {
      return "leader: node " + leader.get().getId() + ", term " + leader.get().getTerm();
    }
    if (answers.isEmpty()) {
      return "no leader (no server answered)";
    }
    long term = answers.stream().mapToLong(NodeStatus::getTerm).max().orElse(0);
    return "no leader (highest term seen: " + term + ")";
  }

  private static String[] row(
      long id, String member, String address, NodeStatus s, FollowerProgress p, long leaderLast) {
    return new String[] {
      Long.toString(id),
      member,
      address.isEmpty() ? NONE : address,
      s == null ? NONE : s.getRole(),
      s == null ? NONE : Long.toString(s.getTerm()),
      s == null ? NONE : Long.toString(s.getCommit()),
      s == null ? NONE : Long.toString(s.getApplied()),
      p == null ? NONE : Long.toString(p.getMatch()),
      p == null ? NONE : Long.toString(Math.max(0, leaderLast - p.getMatch())),
      p == null ? NONE : p.getState()
    };
  }

  private static String membership(Membership conf, long id) {
    if (conf.getVotersList().contains(id)) {
      return "VOTER";
    }
    return conf.getLearnersList().contains(id) ? "LEARNER" : NONE;
  }

  private static boolean asked(List<Probe> probes, String address) {
    return probes.stream().anyMatch(p -> p.address().equals(address));
  }

  private static List<NodeStatus> answers(List<Probe> probes) {
    List<NodeStatus> out = new ArrayList<>();
    for (Probe p : probes) {
      if (p.status() != null) {
        out.add(p.status());
      }
    }
    return out;
  }

  /** Adds the non-empty client addresses of conf's members not already known. */
  private static void addAddresses(Map<Long, String> into, Membership conf) {
    clientAddresses(conf).forEach(into::putIfAbsent);
  }

  private static Map<Long, String> clientAddresses(Membership conf) {
    Map<Long, String> out = new HashMap<>();
    for (ServerInfo m : conf.getMembersList()) {
      if (!m.getClientAddress().isEmpty()) {
        out.put(m.getId(), m.getClientAddress());
      }
    }
    return out;
  }

  /** Pads every column but the last to its widest cell plus two spaces. */
  private static List<String> align(List<String[]> rows) {
    int columns = HEADER.length;
    int[] width = new int[columns];
    for (String[] r : rows) {
      for (int c = 0; c < columns; c++) {
        width[c] = Math.max(width[c], r[c].length());
      }
    }
    List<String> out = new ArrayList<>();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < columns; c++) {
        line.append(r[c]);
        if (c < columns - 1) {
          line.append(" ".repeat(width[c] - r[c].length() + 2));
        }
      }
      out.add(line.toString());
    }
    return out;
  }
}
