package io.raftjvm.faults.nemesis;

import io.raftjvm.faults.cluster.Cluster;
import io.raftjvm.faults.cluster.ServerNode;
import io.raftjvm.faults.host.Firewall;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Network partitions made with iptables inside the hosts' namespaces (see {@link Firewall}): the
 * leader isolated, a random majority/minority split, one-way cuts (a server that receives but
 * cannot send, or the reverse), Jepsen's bridge (two halves that share one server), and random
 * packet loss on some links. Healing flushes every host's fault chain.
 */
final class Partitions {
  private Partitions() {}

  static Fault inject(Cluster cluster, SplittableRandom random) {
    Firewall fw = cluster.firewall();
    int hosts = cluster.net().hosts();
    ServerNode leader = cluster.leader();
    int lead = leader != null ? leader.host() : 1 + random.nextInt(hosts);
    String what;
    switch (random.nextInt(6)) {
      case 0 -> {
        for (int h = 1; h <= hosts; h++) {
          if (h != lead) cut(fw, lead, h);
        }
        what = "isolate the leader (host " + lead + ")";
      }
      case 1 -> {
        List<Integer> all = shuffled(hosts, random);
        TreeSet<Integer> minority = new TreeSet<>(all.subList(0, hosts / 2));
        TreeSet<Integer> majority = new TreeSet<>(all.subList(hosts / 2, hosts));
        for (int a : minority) {
          for (int b : majority) cut(fw, a, b);
        }
        what = "split hosts " + minority + " | " + majority;
      }
      case 2 -> {
        for (int h = 1; h <= hosts; h++) {
          if (h != lead) fw.drop(lead, h);
        }
        what = "host " + lead + " (leader) cannot send to anyone, still receives";
      }
      case 3 -> {
        for (int h = 1; h <= hosts; h++) {
          if (h != lead) fw.drop(h, lead);
        }
        what = "nobody can send to host " + lead + " (leader), it still sends";
      }
      case 4 -> {
        List<Integer> all = shuffled(hosts, random);
        int bridge = all.get(0);
        TreeSet<Integer> left = new TreeSet<>(all.subList(1, 1 + (hosts - 1) / 2));
        TreeSet<Integer> right = new TreeSet<>(all.subList(1 + (hosts - 1) / 2, hosts));
        for (int a : left) {
          for (int b : right) cut(fw, a, b);
        }
        what = "bridge: " + left + " | " + right + ", both reach host " + bridge;
      }
      default -> {
        double p = 0.01 + random.nextDouble() * 0.29;
        List<String> links = new ArrayList<>();
        for (int a = 1; a <= hosts; a++) {
          for (int b = 1; b <= hosts; b++) {
            if (a != b && random.nextInt(3) == 0) {
              fw.lose(a, b, p);
              links.add(a + "->" + b);
            }
          }
        }
        what = String.format(Locale.ROOT, "%.0f%% packet loss on %s", p * 100, links);
      }
    }
    return Fault.of(FaultKind.PARTITION, what, fw::healAll);
  }

  private static void cut(Firewall fw, int a, int b) {
    fw.drop(a, b);
    fw.drop(b, a);
  }

  private static List<Integer> shuffled(int hosts, SplittableRandom random) {
    List<Integer> all = new ArrayList<>();
    for (int h = 1; h <= hosts; h++) all.add(h);
    Collections.shuffle(all, new java.util.Random(random.nextLong()));
    return all;
  }
}
