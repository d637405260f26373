package io.raftjvm.client;

import java.net.InetSocketAddress;

/**
 * The one reading and writing of server addresses everywhere (config files, admin commands, the
 * tools, redirects, the peer hello): {@code host:port}, with an IPv6 literal in brackets ({@code
 * [::1]:7201}). An IPv6 literal without brackets is refused: its last colon would be taken for the
 * port's.
 */
public final class HostPort {
  private HostPort() {}

  /**
   * An unresolved address (resolution happens later, without blocking an event loop).
   *
   * @throws IllegalArgumentException with a one-line message quoting the text
   */
  public static InetSocketAddress parse(String text) {
    if (text == null || text.isBlank()) throw bad(text, "is empty");
    int colon = text.lastIndexOf(':');
    if (colon < 0) throw bad(text, "has no port");
    String host = text.substring(0, colon);
    String port = text.substring(colon + 1);
    if (host.startsWith("[")) {
      if (!host.endsWith("]") || host.length() < 3) throw bad(text, "has an unclosed [");
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw bad(text, "is an IPv6 address without brackets (write [" + host + "]:" + port + ")");
    }
    if (host.isEmpty()) throw bad(text, "has no host");
    if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
      throw bad(text, "has a bad port");
    }
    int p = Integer.parseInt(port);
    if (p < 1 || p > 65_535) throw bad(text, "has a port outside 1-65535");
    return InetSocketAddress.createUnresolved(host, p);
  }

  /** Whether text is an address {@link #parse} accepts. */
  public static boolean isValid(String text) {
    try {
      parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** host:port as {@link #parse} reads it: an IPv6 literal in brackets. */
  public static String format(InetSocketAddress a) {
    return format(a.getHostString(), a.getPort());
  }

  public static String format(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  private static IllegalArgumentException bad(String text, String problem) {
    return new IllegalArgumentException("expected host:port, but '" + text + "' " + problem);
  }
}
