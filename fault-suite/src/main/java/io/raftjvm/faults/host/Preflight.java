package io.raftjvm.faults.host;

/**
 * What the suite needs of the host, checked before anything is made: root, iproute2, iptables, and
 * the right to create a network namespace. Fails with one line saying what is missing; the suite
 * never passes by skipping.
 */
public final class Preflight {
  private Preflight() {}

  public static void check() {
    String uid = Shell.run("id", "-u").strip();
    if (!uid.equals("0")) {
      throw new HostException(
          "the fault suite needs root (network namespaces, iptables, tmpfs mounts); running as uid "
              + uid);
    }
    need("ip", "iproute2");
    need("iptables", "iptables (apt-get install -y iptables)");
    String probe = Net.PREFIX + "probe" + Long.toString(ProcessHandle.current().pid() % 1000, 36);
    try {
      Shell.run("ip", "netns", "add", probe);
      Shell.run("ip", "netns", "exec", probe, "iptables", "-w", "-L", "-n");
    } catch (HostException e) {
      throw new HostException(
          "network namespaces with iptables cannot be used here: " + e.getMessage());
    } finally {
      Shell.tryRun("ip", "netns", "del", probe);
    }
  }

  private static void need(String command, String from) {
    if (Shell.tryRun("sh", "-c", "command -v " + command) != null) {
      throw new HostException(
          "the fault suite needs " + command + ", from " + from + "; it is not on the PATH");
    }
  }
}
