package io.raftjvm.server;

import com.typesafe.config.Config;
import io.netty.util.NetUtil;
import io.raftjvm.client.HostPort;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Reads the keys of one section of the {@code raft} block with the checks every section shares. A
 * problem is a {@link ConfigException} naming the full key ({@code raft.client.max-frame-size}).
 */
final class ConfigReader {
  private final Config c;
  private final String prefix;
  private final Path base;

  /**
   * The keys under path (e.g. "raft.client"); c is the whole resolved config, so that the library's
   * own messages name full keys too.
   */
  ConfigReader(Config c, String path) {
    this(c, path, null);
  }

  /** As above, with relative file paths resolved against base (null: left relative). */
  ConfigReader(Config c, String path, Path base) {
    this.c = c;
    this.prefix = path + ".";
    this.base = base;
  }

  /** A file or directory; relative ones resolve against the base. */
  Path path(String key) {
    Path p = Path.of(c.getString(prefix + key));
    return base == null ? p : base.resolve(p);
  }

  Config config(String key) {
    return c.getConfig(prefix + key);
  }

  List<? extends Config> configList(String key) {
    return c.getConfigList(prefix + key);
  }

  long bytes(String key) {
    return c.getBytes(prefix + key);
  }

  Duration duration(String key) {
    return c.getDuration(prefix + key);
  }

  boolean has(String key) {
    return c.hasPath(prefix + key);
  }

  String string(String key) {
    return c.getString(prefix + key);
  }

  List<String> stringList(String key) {
    return c.getStringList(prefix + key);
  }

  boolean bool(String key) {
    return c.getBoolean(prefix + key);
  }

  long number(String key) {
    return c.getLong(prefix + key);
  }

  int atLeast(String key, int min) {
    int v = c.getInt(prefix + key);
    if (v < min) throw bad(key, "must be at least " + min + ", got " + v);
    return v;
  }

  long nonNegative(String key) {
    long v = c.getLong(prefix + key);
    if (v < 0) throw bad(key, "must not be negative, got " + v);
    return v;
  }

  long positiveBytes(String key) {
    long v = c.getBytes(prefix + key);
    if (v <= 0) throw bad(key, "must be positive, got " + v);
    return v;
  }

  /** A size that must fit an int (a frame, a buffer). */
  int intBytes(String key) {
    long v = positiveBytes(key);
    if (v > Integer.MAX_VALUE) throw bad(key, "must be below 2GiB, got " + v);
    return (int) v;
  }

  Duration positiveDuration(String key) {
    Duration d = c.getDuration(prefix + key);
    if (d.toMillis() < 1) throw bad(key, "must be positive, got " + d);
    return d;
  }

  /** A budget for incomplete frames: one frame of the largest size must always fit. */
  long atLeastOneFrame(String key, String frameKey, int maxFrame) {
    long v = positiveBytes(key);
    if (v < maxFrame) {
      String section = prefix.substring(prefix.indexOf('.') + 1);
      throw bad(key, "must be at least " + section + frameKey + " (" + maxFrame + "), got " + v);
    }
    return v;
  }

  /**
   * host:port (see {@link HostPort}) of a member of the cluster: an IP literal as it is, a host
   * name unresolved (a peer's name is looked up on every connect: it may not resolve yet, and it
   * may move).
   */
  InetSocketAddress memberAddress(Config p, String key, String field) {
    if (!p.hasPath(field)) throw bad(key + "." + field, "is required (host:port)");
    InetSocketAddress a;
    try {
      a = HostPort.parse(p.getString(field));
    } catch (IllegalArgumentException e) {
      throw bad(key + "." + field, e.getMessage());
    }
    String host = a.getHostString();
    return NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)
        ? new InetSocketAddress(host, a.getPort()) // a literal: no lookup
        : a;
  }

  /** a, which this server listens on, resolved now (key names where the config gave it). */
  InetSocketAddress listenAddress(InetSocketAddress a, String key) {
    InetSocketAddress resolved = new InetSocketAddress(a.getHostString(), a.getPort());
    if (resolved.isUnresolved())
      throw bad(
          key, "host '" + a.getHostString() + "' cannot be resolved (this server listens there)");
    return resolved;
  }

  /** The host:port at key, of this reader's section. */
  InetSocketAddress address(String key) {
    return parseAddress(string(key), key);
  }

  private InetSocketAddress parseAddress(String value, String key) {
    InetSocketAddress a;
    try {
      a = HostPort.parse(value);
    } catch (IllegalArgumentException e) {
      throw bad(key, e.getMessage());
    }
    InetSocketAddress resolved = new InetSocketAddress(a.getHostString(), a.getPort());
    if (resolved.isUnresolved())
      throw bad(key, "host '" + a.getHostString() + "' cannot be resolved");
    return resolved;
  }

  ConfigException bad(String key, String problem) {
    return new ConfigException("bad config: " + prefix + key + " " + problem);
  }
}
