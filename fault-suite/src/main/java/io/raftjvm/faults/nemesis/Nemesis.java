package io.raftjvm.faults.nemesis;

import io.raftjvm.faults.cluster.Cluster;
import io.raftjvm.faults.cluster.ServerNode;
import io.raftjvm.faults.host.Disk;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Injects faults of the enabled kinds into a cluster, choosing kind, target and shape from a seeded
 * random source: the same seed gives the same schedule of choices (the cluster's timing, and so
 * which server leads when, still varies from run to run).
 */
public final class Nemesis {
  private final Cluster cluster;
  private final Path distRoot;
  private final SplittableRandom random;
  private final List<FaultKind> kinds;

  /** The slot whose directory is a small disk, and the disk; null without DISK faults. */
  private final ServerNode diskNode;

  private final Disk disk;
  private int next;

  public Nemesis(
      Cluster cluster,
      Path distRoot,
      long seed,
      Set<FaultKind> kinds,
      ServerNode diskNode,
      Disk disk) {
    this.cluster = cluster;
    this.distRoot = distRoot;
    this.random = new SplittableRandom(seed);
    this.kinds = new ArrayList<>(kinds);
    this.diskNode = diskNode;
    this.disk = disk;
    if (kinds.contains(FaultKind.DISK) && disk == null)
      throw new IllegalArgumentException("DISK faults need a disk");
  }

  /**
   * The next kind: every enabled kind in turn, shuffled per round, so that a short schedule still
   * meets each kind.
   */
  public FaultKind nextKind() {
    if (next % kinds.size() == 0) {
      for (int i = kinds.size() - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        FaultKind t = kinds.get(i);
        kinds.set(i, kinds.get(j));
        kinds.set(j, t);
      }
    }
    return kinds.get(next++ % kinds.size());
  }

  /** Injects a fault of kind; null when none applies now (no server to hit, no change possible). */
  public Fault inject(FaultKind kind) throws Exception {
    return switch (kind) {
      case PARTITION -> Partitions.inject(cluster, random);
      case LINK -> SlowLinks.inject(cluster, random);
      case KILL -> Crashes.kill(cluster, random);
      case PAUSE -> Crashes.pause(cluster, random);
      case MEMBERSHIP -> Membership.step(cluster, distRoot, random);
      case DISK -> diskNode.running() ? FullDisk.inject(cluster, disk, diskNode) : null;
    };
  }

  /**
   * How long to hold a fault of kind, in milliseconds: pauses and stalls outlast an election
   * timeout.
   */
  public long holdMillis(FaultKind kind) {
    return switch (kind) {
      case PAUSE -> 2_500 + random.nextInt(6_000);
      case MEMBERSHIP -> 0;
      case DISK -> 3_000 + random.nextInt(5_000);
      default -> 1_000 + random.nextInt(8_000);
    };
  }

  /**
   * Whether to churn membership in the middle of the fault being held (one time in three, if
   * enabled).
   */
  public boolean churnDuringFault() {
    return kinds.contains(FaultKind.MEMBERSHIP) && random.nextInt(3) == 0;
  }

  /** Quiet time between faults, in milliseconds. */
  public long quietMillis() {
    return 1_000L + random.nextInt(3_000);
  }
}
