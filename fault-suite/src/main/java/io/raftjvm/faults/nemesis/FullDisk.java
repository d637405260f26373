package io.raftjvm.faults.nemesis;

import io.raftjvm.faults.cluster.Cluster;
import io.raftjvm.faults.cluster.ServerNode;
import io.raftjvm.faults.host.Disk;

/**
 * A full disk: the server on the disk slot (its directory is a small tmpfs) finds no byte free. It
 * must stop accepting writes (fail-stop, or refuse with a clear error) and never corrupt its log;
 * healed by freeing the space and starting the server again if it stopped, or restarting it if it
 * stayed up failed (its liveness probe answers 503).
 */
final class FullDisk {
  private FullDisk() {}

  static Fault inject(Cluster cluster, Disk disk, ServerNode n) throws Exception {
    long filled = disk.fill();
    String what = "fill the disk of " + n + " (" + (filled >> 20) + " MiB written)";
    return Fault.of(
        FaultKind.DISK,
        what,
        () -> {
          disk.free();
          cluster.restart(n);
        });
  }
}
