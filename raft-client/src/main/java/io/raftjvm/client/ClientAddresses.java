package io.raftjvm.client;

import java.net.InetSocketAddress;

/** Parses the "host:port" (or "[ipv6]:port") strings that name servers' client ports. */
final class ClientAddresses {
  private ClientAddresses() {}

  /** An unresolved address: resolution happens later, without blocking an event loop. */
  static InetSocketAddress parse(String address) {
    int colon = address == null ? -1 : address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException("expected host:port, got '" + address + "'");
    }
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad port in '" + address + "'", e);
    }
    if (port <= 0 || port > 65_535 || host.isEmpty()) {
      throw new IllegalArgumentException("expected host:port, got '" + address + "'");
    }
    return InetSocketAddress.createUnresolved(host, port);
  }
}
