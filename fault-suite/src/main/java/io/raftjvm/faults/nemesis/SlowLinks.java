package io.raftjvm.faults.nemesis;

import io.raftjvm.faults.cluster.Cluster;
import io.raftjvm.faults.cluster.ServerNode;
import io.raftjvm.faults.net.LinkFaults;
import io.raftjvm.faults.net.LinkProxy;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Slow and broken links, made by the link proxies every peer connection goes through (the kernel
 * here has no netem): delay with jitter, bandwidth caps, stalls longer than an election timeout,
 * links that reset again and again (in the middle of frames and of snapshot streams), and resets
 * with late delivery, where bytes of a dead connection reach the receiver after those of its
 * successor. The links hit are the leader's (out, in or both) or a random third of all links.
 */
final class SlowLinks {
  private SlowLinks() {}

  static Fault inject(Cluster cluster, SplittableRandom random) {
    List<LinkProxy> links = pick(cluster, random);
    String where = describe(links);
    int shape = random.nextInt(5);
    return switch (shape) {
      case 0 -> {
        long delay = 5L + random.nextInt(96);
        long jitter = random.nextInt((int) delay + 1);
        yield set(links, LinkFaults.NONE.withDelay(delay, jitter), where);
      }
      case 1 -> set(links, LinkFaults.NONE.withBandwidth((16L + random.nextInt(240)) << 10), where);
      case 2 -> set(links, LinkFaults.NONE.withStall(true), where);
      case 3 -> flapping(links, random, where);
      default -> late(links, random, where);
    };
  }

  private static Fault set(List<LinkProxy> links, LinkFaults f, String where) {
    for (LinkProxy p : links) p.setFaults(f);
    return Fault.of(FaultKind.LINK, f.describe() + " on " + where, () -> heal(links));
  }

  /** Resets the links every 100-1000 ms while the fault lasts, wherever their streams are. */
  private static Fault flapping(List<LinkProxy> links, SplittableRandom random, String where) {
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fault-suite-link-resets");
              t.setDaemon(true);
              return t;
            });
    SplittableRandom r = random.split();
    Runnable[] next = new Runnable[1];
    next[0] =
        () -> {
          for (LinkProxy p : links) p.reset();
          synchronized (r) {
            timer.schedule(next[0], 100 + r.nextInt(900), TimeUnit.MILLISECONDS);
          }
        };
    timer.execute(next[0]);
    return Fault.of(
        FaultKind.LINK,
        "resets every 0.1-1 s on " + where,
        () -> {
          timer.shutdownNow();
          timer.awaitTermination(5, TimeUnit.SECONDS);
        });
  }

  /**
   * Delays the links, so that the proxies hold bytes in flight, then resets the senders'
   * connections and delivers what the dead connections held 0.3-2 s later, after the new
   * connections' traffic.
   */
  private static Fault late(List<LinkProxy> links, SplittableRandom random, String where) {
    long delay = 50L + random.nextInt(150);
    long late = 300L + random.nextInt(1_700);
    for (LinkProxy p : links) p.setFaults(LinkFaults.NONE.withDelay(delay, delay / 2));
    return Fault.of(
        FaultKind.LINK,
        "delay " + delay + " ms, then reset with delivery " + late + " ms late on " + where,
        () -> {
          for (LinkProxy p : links) p.resetWithLateDelivery(late);
          heal(links);
        });
  }

  private static void heal(List<LinkProxy> links) {
    for (LinkProxy p : links) p.setFaults(LinkFaults.NONE);
  }

  /** The leader's links (out, in, or both) or, without a leader, a random third of all links. */
  private static List<LinkProxy> pick(Cluster cluster, SplittableRandom random) {
    int hosts = cluster.net().hosts();
    ServerNode leader = cluster.leader();
    int mode = leader == null ? 3 : random.nextInt(4);
    List<LinkProxy> out = new ArrayList<>();
    for (int a = 1; a <= hosts; a++) {
      for (int b = 1; b <= hosts; b++) {
        if (a == b) continue;
        boolean take =
            switch (mode) {
              case 0 -> a == leader.host();
              case 1 -> b == leader.host();
              case 2 -> a == leader.host() || b == leader.host();
              default -> random.nextInt(3) == 0;
            };
        if (take) out.add(cluster.proxy(a, b));
      }
    }
    if (out.isEmpty()) out.add(cluster.proxy(1, 2));
    return out;
  }

  private static String describe(List<LinkProxy> links) {
    List<String> names = new ArrayList<>();
    for (LinkProxy p : links) names.add(p.name());
    return String.join(" ", names);
  }
}
