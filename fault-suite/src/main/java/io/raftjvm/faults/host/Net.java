package io.raftjvm.faults.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A private network for one run of the suite: a Linux bridge in the root namespace and one network
 * namespace per host, each joined to the bridge by a veth pair and given its own address {@code
 * 10.77.S.i/24} (the bridge, where the suite's clients and link proxies live, is {@code .254}).
 *
 * <p>Every name it creates starts with its tag, {@code rfs} and the creating process's pid in base
 * 36, so {@link #close()} removes exactly what it made, and a later run removes what a killed run
 * left behind (its pid is gone). Close is idempotent and also runs from a shutdown hook, so an
 * interrupted run cleans up too. Filter rules live inside the namespaces and go with them.
 */
public final class Net implements AutoCloseable {
  static final String PREFIX = "rfs";
  private static final Pattern OURS = Pattern.compile(PREFIX + "([0-9a-z]+)(n\\d+|br|h\\d+|p\\d+)");

  private final String tag;
  private final int subnet;
  private final int hosts;
  private final Thread hook;
  private boolean closed;

  private Net(String tag, int subnet, int hosts) {
    this.tag = tag;
    this.subnet = subnet;
    this.hosts = hosts;
    this.hook = new Thread(this::close, "net-cleanup");
  }

  /** Checks what the host allows, removes leftovers of dead runs, and builds the network. */
  public static Net create(int hosts) {
    if (hosts < 1 || hosts > 200)
      throw new IllegalArgumentException("hosts: 1 to 200, got " + hosts);
    Preflight.check();
    sweepStale();
    long pid = ProcessHandle.current().pid();
    Net net = new Net(PREFIX + Long.toString(pid, 36), freeSubnet((int) (pid % 250) + 1), hosts);
    Runtime.getRuntime().addShutdownHook(net.hook);
    try {
      net.build();
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
    return net;
  }

  private void build() {
    Shell.run("ip", "link", "add", bridge(), "type", "bridge");
    Shell.run("ip", "addr", "add", "10.77." + subnet + ".254/24", "dev", bridge());
    Shell.run("ip", "link", "set", bridge(), "up");
    for (int i = 1; i <= hosts; i++) {
      String ns = ns(i);
      Shell.run("ip", "netns", "add", ns);
      Shell.run("ip", "link", "add", tag + "h" + i, "type", "veth", "peer", "name", tag + "p" + i);
      Shell.run("ip", "link", "set", tag + "p" + i, "netns", ns);
      Shell.run("ip", "-n", ns, "link", "set", tag + "p" + i, "name", "eth0");
      Shell.run("ip", "-n", ns, "addr", "add", "10.77." + subnet + "." + i + "/24", "dev", "eth0");
      Shell.run("ip", "-n", ns, "link", "set", "eth0", "up");
      Shell.run("ip", "-n", ns, "link", "set", "lo", "up");
      Shell.run("ip", "link", "set", tag + "h" + i, "master", bridge());
      Shell.run("ip", "link", "set", tag + "h" + i, "up");
    }
  }

  public int hosts() {
    return hosts;
  }

  /** The namespace of host i (1-based). */
  public String ns(int host) {
    return tag + "n" + host;
  }

  /** Host i's address. */
  public InetAddress address(int host) {
    return ip("10.77." + subnet + "." + host);
  }

  /** The bridge's address in the root namespace: where clients and proxies connect from. */
  public InetAddress bridgeAddress() {
    return ip("10.77." + subnet + ".254");
  }

  /** cmd run inside host i's network namespace. */
  public List<String> inNamespace(int host, List<String> cmd) {
    List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns(host)));
    all.addAll(cmd);
    return all;
  }

  /** Where {@code ip netns exec} finds the files it shows a namespace's processes as /etc/FILE. */
  private static final Path NETNS_ETC = Path.of("/etc/netns");

  /**
   * Names host names for processes in host i's namespace: {@code ip netns exec} shows them {@code
   * /etc/netns/<ns>/hosts} as {@code /etc/hosts}. Written in place (the same file, truncated), so
   * processes already running there see the change: a server moved to another address under its
   * name is found by the others at their next lookup. Removed with the namespace.
   */
  public void hostsFile(int host, Map<String, InetAddress> names) {
    StringBuilder sb = new StringBuilder("127.0.0.1 localhost\n::1 localhost\n");
    names.forEach((name, a) -> sb.append(a.getHostAddress()).append(' ').append(name).append('\n'));
    Path file = NETNS_ETC.resolve(ns(host)).resolve("hosts");
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(
          file,
          sb,
          StandardOpenOption.CREATE,
          StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new HostException("cannot write " + file + ": " + e.getMessage());
    }
  }

  /** Runs iptables with args inside host i's namespace. */
  public void iptables(int host, String... args) {
    List<String> cmd = new ArrayList<>(List.of("iptables", "-w"));
    cmd.addAll(List.of(args));
    Shell.run(inNamespace(host, cmd));
  }

  private String bridge() {
    return tag + "br";
  }

  /** Removes the namespaces (their rules and veths go with them) and the bridge. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    removeTag(tag);
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down: this is the hook
    }
  }

  /** Removes what runs whose process is gone left behind. */
  static void sweepStale() {
    List<String> tags = new ArrayList<>();
    for (String name : names()) {
      Matcher m = OURS.matcher(name);
      if (!m.matches()) continue;
      String t = PREFIX + m.group(1);
      long pid = Long.parseLong(m.group(1), 36);
      if (!tags.contains(t) && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        tags.add(t);
      }
    }
    tags.forEach(Net::removeTag);
  }

  private static void removeTag(String tag) {
    for (String name : names()) {
      if (!name.startsWith(tag) || !OURS.matcher(name).matches()) continue;
      String rest = name.substring(tag.length());
      if (rest.startsWith("n")) Shell.tryRun("ip", "netns", "del", name);
    }
    try (Stream<Path> dirs = Files.exists(NETNS_ETC) ? Files.list(NETNS_ETC) : Stream.empty()) {
      for (Path d : dirs.toList()) {
        String name = d.getFileName().toString();
        if (name.startsWith(tag) && OURS.matcher(name).matches()) deleteTree(d);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (String name : names()) {
      if (!name.startsWith(tag) || !OURS.matcher(name).matches()) continue;
      String rest = name.substring(tag.length());
      if (rest.startsWith("h") || rest.equals("br")) Shell.tryRun("ip", "link", "del", name);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  /** Namespace and link names in the root namespace. */
  private static List<String> names() {
    List<String> out = new ArrayList<>();
    for (String line : Shell.run("ip", "netns", "list").split("\n")) {
      if (!line.isBlank()) out.add(line.trim().split("\\s+")[0]);
    }
    for (String line : Shell.run("ip", "-o", "link", "show").split("\n")) {
      String[] f = line.split(":\\s+");
      if (f.length > 1) out.add(f[1].split("@")[0]);
    }
    try (Stream<Path> dirs = Files.exists(NETNS_ETC) ? Files.list(NETNS_ETC) : Stream.empty()) {
      dirs.forEach(d -> out.add(d.getFileName().toString())); // hosts files of namespaces
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** A 10.77.S.0/24 that no route of this host uses, starting from s. */
  private static int freeSubnet(int s) {
    String routes = Shell.run("ip", "-4", "route", "show");
    for (int k = 0; k < 250; k++) {
      int candidate = (s - 1 + k) % 250 + 1;
      if (!routes.contains("10.77." + candidate + ".")) return candidate;
    }
    throw new HostException("no free 10.77.x.0/24 subnet for the suite's network");
  }

  private static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
