package io.raftjvm.faults.nemesis;

import io.raftjvm.faults.cluster.Cluster;
import io.raftjvm.faults.cluster.ServerNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * Process faults: SIGKILL (healed by starting the servers again on their data) and SIGSTOP for
 * longer than an election timeout (healed by SIGCONT: the paused leader wakes up believing it
 * leads). Half of the single-server faults hit the leader, the others any running server; one kill
 * in six takes a majority at once (the leader among them), one in twelve every server.
 */
final class Crashes {
  private Crashes() {}

  static Fault kill(Cluster cluster, SplittableRandom random) {
    int shape = random.nextInt(12);
    List<ServerNode> victims;
    String what;
    if (shape < 2) {
      List<ServerNode> up = running(cluster);
      up.retainAll(cluster.voters());
      if (up.size() < 2) return null;
      victims = shape == 0 ? up : majority(cluster, up, random);
      what = (shape == 0 ? "SIGKILL every server: " : "SIGKILL a majority: ") + names(victims);
    } else {
      ServerNode n = target(cluster, random);
      if (n == null) return null;
      victims = List.of(n);
      what = "SIGKILL " + n + (n == cluster.leaderCached() ? " (the leader)" : "");
    }
    for (ServerNode n : victims) cluster.kill(n);
    return Fault.of(
        FaultKind.KILL,
        what,
        () -> {
          for (ServerNode n : victims) cluster.restart(n);
        });
  }

  static Fault pause(Cluster cluster, SplittableRandom random) {
    ServerNode n = target(cluster, random);
    if (n == null) return null;
    boolean wasLeader = n == cluster.leaderCached();
    cluster.pause(n);
    return Fault.of(
        FaultKind.PAUSE,
        "SIGSTOP " + n + (wasLeader ? " (the leader)" : ""),
        () -> cluster.resume(n));
  }

  /** The leader half of the time, else any running, unpaused server; null if none runs. */
  private static ServerNode target(Cluster cluster, SplittableRandom random) {
    ServerNode leader = cluster.leader();
    if (leader != null && random.nextBoolean()) return leader;
    List<ServerNode> up = running(cluster);
    return up.isEmpty() ? null : up.get(random.nextInt(up.size()));
  }

  /** Running, unpaused servers. */
  private static List<ServerNode> running(Cluster cluster) {
    List<ServerNode> up = new ArrayList<>();
    for (ServerNode n : cluster.nodes()) {
      if (n.running() && !n.paused()) up.add(n);
    }
    return up;
  }

  /** The leader (if known) and others: more than half of the running voters. */
  private static List<ServerNode> majority(
      Cluster cluster, List<ServerNode> up, SplittableRandom random) {
    List<ServerNode> order = new ArrayList<>(up);
    Collections.shuffle(order, new Random(random.nextLong()));
    ServerNode leader = cluster.leaderCached();
    if (leader != null && order.remove(leader)) order.add(0, leader);
    return new ArrayList<>(order.subList(0, up.size() / 2 + 1));
  }

  private static String names(List<ServerNode> nodes) {
    return nodes.stream()
        .map(n -> Long.toString(n.id()))
        .collect(Collectors.joining(", ", "servers ", ""));
  }
}
