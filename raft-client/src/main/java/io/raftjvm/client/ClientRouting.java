package io.raftjvm.client;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Where a client's next attempt goes: the presumed leader when one is known, else the servers in
 * round-robin order. A server that left an attempt unanswered for a whole attempt timeout (paused,
 * or cut off from its peers while still accepting connections) is <i>unresponsive</i> for the next
 * attempt timeout: round-robin passes over it, and redirects naming it are not followed, because
 * the other servers keep naming a frozen leader until they elect a new one. Any answer from it
 * clears that.
 *
 * <p>Invariant: used on the client's event loop only.
 */
final class ClientRouting {
  private final List<String> servers;
  private final long unresponsiveNanos;
  private final LongSupplier nanoClock;

  /**
   * Client port of the presumed leader; null when unknown. Set by Applied and NotLeader answers.
   */
  private String leader;

  /** Round-robin cursor into servers, advanced when the server under it fails. */
  private int next;

  /**
   * Servers that left an attempt unanswered, with the nanoClock time until which they are avoided.
   */
  private final Map<String, Long> unresponsiveUntil = new HashMap<>();

  ClientRouting(List<String> servers, long unresponsiveNanos, LongSupplier nanoClock) {
    this.servers = servers;
    this.unresponsiveNanos = unresponsiveNanos;
    this.nanoClock = nanoClock;
  }

  /** The presumed leader, else the first responsive server from the cursor on (any, if none is). */
  String target() {
    if (leader != null) {
      return leader;
    }
    int n = servers.size();
    for (int i = 0; i < n; i++) {
      String s = servers.get(Math.floorMod(next + i, n));
      if (!isUnresponsive(s)) {
        next = Math.floorMod(next + i, n);
        return s;
      }
    }
    return servers.get(Math.floorMod(next, n));
  }

  String leader() {
    return leader;
  }

  /** address answered as the leader, or a server named it: it is the presumed leader. */
  void leaderIs(String address) {
    leader = address;
  }

  /** address answered something: whatever it is, it is not frozen. */
  void answered(String address) {
    if (!unresponsiveUntil.isEmpty()) unresponsiveUntil.remove(address);
  }

  /** Whether a redirect to address is worth following now. */
  boolean followable(String address) {
    return !isUnresponsive(address);
  }

  /** address failed or knows no leader: forget it as leader and move the round-robin past it. */
  void failed(String address) {
    if (address.equals(leader)) {
      leader = null;
    }
    if (address.equals(servers.get(Math.floorMod(next, servers.size())))) {
      next++;
    }
  }

  /** address left an attempt unanswered for a whole attempt timeout. */
  void unresponsive(String address) {
    failed(address);
    unresponsiveUntil.put(address, nanoClock.getAsLong() + unresponsiveNanos);
  }

  /** The connection to address closed: it is no longer the presumed leader. */
  void closed(String address) {
    if (address.equals(leader)) {
      leader = null;
    }
  }

  private boolean isUnresponsive(String address) {
    Long until = unresponsiveUntil.get(address);
    if (until == null) {
      return false;
    }
    if (nanoClock.getAsLong() - until >= 0) {
      unresponsiveUntil.remove(address);
      return false;
    }
    return true;
  }
}
