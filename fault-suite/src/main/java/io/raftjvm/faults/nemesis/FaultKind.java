package io.raftjvm.faults.nemesis;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The kinds of fault the nemesis schedules, by the names {@code --faults} takes. */
public enum FaultKind {
  /**
   * iptables inside the namespaces: isolated leader, splits, one-way cuts, bridges, packet loss.
   */
  PARTITION,
  /**
   * The link proxies: delay and jitter, bandwidth caps, stalls, resets mid-stream, late delivery.
   */
  LINK,
  /** SIGKILL a server (the leader or any), restart it later. */
  KILL,
  /** SIGSTOP a server (the leader or any) for longer than an election timeout, then SIGCONT. */
  PAUSE,
  /** Add a learner and promote it, or remove a voter (bin/raft-admin.sh). */
  MEMBERSHIP,
  /** Fill one server's disk (a small tmpfs) to the last byte, free it, restart the server. */
  DISK;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** "partition,kill" to the set; throws IllegalArgumentException naming an unknown kind. */
  public static Set<FaultKind> parse(String list) {
    Set<FaultKind> out = EnumSet.noneOf(FaultKind.class);
    for (String s : list.split(",")) {
      String t = s.trim();
      if (t.isEmpty()) continue;
      try {
        out.add(valueOf(t.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown fault kind '" + t + "' (partition, link, kill, pause," + " membership, disk)");
      }
    }
    if (out.isEmpty()) throw new IllegalArgumentException("no fault kind given");
    return out;
  }
}
