package io.raftjvm.faults.host;

import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * The suite's netfilter rules, inside the hosts' namespaces. Each host's OUTPUT chain jumps to a
 * chain of its own, {@code rfault}, which holds the current network faults, so healing a host is
 * flushing that chain. Peer traffic can be routed through a link proxy by DNAT; the faults match a
 * packet by the destination the sending server meant ({@code --ctorigdst}), so they hold whether or
 * not the link goes through a proxy. Connections are cut by dropping packets, not by resets: the
 * sender sees a silent peer, as on a real network partition.
 */
public final class Firewall {
  private static final String CHAIN = "rfault";
  private final Net net;

  public Firewall(Net net) {
    this.net = net;
    for (int h = 1; h <= net.hosts(); h++) {
      net.iptables(h, "-N", CHAIN);
      net.iptables(h, "-A", "OUTPUT", "-j", CHAIN);
    }
  }

  /** Routes host from's TCP connections to host to's port through proxy (which forwards to it). */
  public void routeThrough(int from, int to, int port, InetSocketAddress proxy) {
    net.iptables(
        from,
        "-t",
        "nat",
        "-A",
        "OUTPUT",
        "-d",
        net.address(to).getHostAddress(),
        "-p",
        "tcp",
        "--dport",
        Integer.toString(port),
        "-j",
        "DNAT",
        "--to-destination",
        proxy.getAddress().getHostAddress() + ":" + proxy.getPort());
  }

  /** Host from can no longer send anything to host to (host to may still send to it). */
  public void drop(int from, int to) {
    net.iptables(
        from,
        "-A",
        CHAIN,
        "-m",
        "conntrack",
        "--ctorigdst",
        net.address(to).getHostAddress(),
        "-j",
        "DROP");
  }

  /** Each packet host from sends to host to is lost with the given probability (0 to 1). */
  public void lose(int from, int to, double probability) {
    if (!(probability > 0 && probability < 1))
      throw new IllegalArgumentException("probability: " + probability);
    net.iptables(
        from,
        "-A",
        CHAIN,
        "-m",
        "conntrack",
        "--ctorigdst",
        net.address(to).getHostAddress(),
        "-m",
        "statistic",
        "--mode",
        "random",
        "--probability",
        String.format(Locale.ROOT, "%.3f", probability),
        "-j",
        "DROP");
  }

  /** Removes every fault rule of host h. */
  public void heal(int h) {
    net.iptables(h, "-F", CHAIN);
  }

  public void healAll() {
    for (int h = 1; h <= net.hosts(); h++) heal(h);
  }
}
