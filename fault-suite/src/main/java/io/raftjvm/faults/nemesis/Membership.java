package io.raftjvm.faults.nemesis;

import io.raftjvm.client.proto.NodeStatus;
import io.raftjvm.faults.cluster.Cluster;
import io.raftjvm.faults.cluster.ServerNode;
import io.raftjvm.faults.host.HostException;
import io.raftjvm.faults.host.Shell;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Membership churn through {@code bin/raft-admin.sh}, as an operator would: while fewer than four
 * voters serve, a spare slot's server is added as a learner and promoted; otherwise a random voter
 * (the leader included) is removed, and its slot is wiped for a new server under a new id (ids are
 * forever). An admin command that fails or whose outcome is unknown is recorded, not retried: the
 * next churn step looks at the configuration afresh.
 */
final class Membership {
  private Membership() {}

  static Fault step(Cluster cluster, Path distRoot, SplittableRandom random) throws Exception {
    ServerNode leader = cluster.leader();
    if (leader == null) return null;
    NodeStatus st = cluster.status(leader);
    if (st == null) return null;
    io.raftjvm.client.proto.Membership conf = st.getConf();
    List<ServerNode> outside = new ArrayList<>();
    List<ServerNode> voters = new ArrayList<>();
    for (ServerNode n : cluster.nodes()) {
      if (conf.getVotersList().contains(n.id())) voters.add(n);
      else if (!conf.getLearnersList().contains(n.id()) && n.running()) outside.add(n);
    }
    String what;
    if (voters.size() < 4 && !outside.isEmpty()) {
      ServerNode n = outside.get(random.nextInt(outside.size()));
      what =
          "add "
              + n
              + ": "
              + admin(
                  cluster,
                  distRoot,
                  "add-learner",
                  Long.toString(n.id()),
                  cluster.peerAddress(n),
                  cluster.clientAddress(n));
      what += "; promote: " + admin(cluster, distRoot, "promote", Long.toString(n.id()));
    } else if (voters.size() >= 4) {
      ServerNode n = voters.get(random.nextInt(voters.size()));
      String result = admin(cluster, distRoot, "remove", Long.toString(n.id()));
      what = "remove " + n + (n == leader ? " (the leader)" : "") + ": " + result;
      if (result.equals("done")) cluster.renew(n); // a new server under a new id, to join later
    } else {
      return null;
    }
    // A change is not undone; the next step works from the configuration it left.
    return Fault.of(FaultKind.MEMBERSHIP, what, () -> {});
  }

  /** Runs one raft-admin command; "done", or why not in one line. */
  private static String admin(Cluster cluster, Path distRoot, String... command) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                distRoot.resolve("bin/raft-admin.sh").toString(),
                "--cluster",
                String.join(",", cluster.clientAddresses()),
                "--timeout",
                "20s"));
    cmd.addAll(List.of(command));
    try {
      Shell.run(cmd);
      return "done";
    } catch (HostException e) {
      String m = e.getMessage();
      return m.contains("exit 3")
          ? "outcome unknown"
          : "failed (" + m.substring(m.indexOf("exit")) + ")";
    }
  }
}
