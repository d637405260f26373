package io.raftjvm.transport;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Keeps a condition that repeats (a peer refused on every reconnect attempt) from filling the log:
 * the first occurrence is logged, then one line at a slowing rate (after 30 s, 1 min, 2 min, ... up
 * to every 10 min) with how many were left out, and a summary once the condition ends. Thread-safe.
 *
 * <p>Bounded: at most {@link #MAX_KEYS} conditions are tracked (remote hosts and reasons come from
 * the network). Those not seen for {@link #MAX_INTERVAL_NANOS} are forgotten when room is needed;
 * while the table is full of live ones, new conditions share one rate limit, so a flood of distinct
 * hosts still logs a line at the slowing rate, not one each.
 */
final class RepeatedWarnings {
  static final long FIRST_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);
  static final long MAX_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(10);
  static final int MAX_KEYS = 1024;

  /** The key new conditions share while the table is full. */
  static final String OTHERS = "(more conditions than tracked)";

  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();

  private static final class State {
    long count;
    long suppressed;
    long lastLoggedNanos;
    long intervalNanos = FIRST_INTERVAL_NANOS;
    volatile long lastSeenNanos;
  }

  RepeatedWarnings(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /**
   * The condition key occurred again, as line says; returns the line to log now (the first time, or
   * when the interval passed, with the count of those left out), or null to leave it out.
   */
  String occurred(String key, String line) {
    long now = nanoClock.getAsLong();
    State s = states.get(key);
    if (s == null) {
      if (states.size() >= MAX_KEYS) {
        states.values().removeIf(idle -> now - idle.lastSeenNanos > MAX_INTERVAL_NANOS);
      }
      s = states.computeIfAbsent(states.size() >= MAX_KEYS ? OTHERS : key, k -> new State());
    }
    synchronized (s) {
      s.lastSeenNanos = now;
      s.count++;
      if (s.count == 1) {
        s.lastLoggedNanos = now;
        return line;
      }
      if (now - s.lastLoggedNanos < s.intervalNanos) {
        s.suppressed++;
        return null;
      }
      String out = line + " (" + s.suppressed + " more like it not logged)";
      s.suppressed = 0;
      s.lastLoggedNanos = now;
      s.intervalNanos = Math.min(MAX_INTERVAL_NANOS, s.intervalNanos * 2);
      return out;
    }
  }

  /** The condition key ended: a summary line if it had occurred, else null; it starts afresh. */
  String resolved(String key, String what) {
    State s = states.remove(key);
    if (s == null) return null;
    synchronized (s) {
      return what + " after " + s.count + " refused attempt" + (s.count == 1 ? "" : "s");
    }
  }
}
