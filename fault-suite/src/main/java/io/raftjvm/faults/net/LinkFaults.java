package io.raftjvm.faults.net;

import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link LinkProxy} does to the bytes it forwards, in both directions: a delay with jitter
 * (never reordering within a connection, as TCP does not), a bandwidth cap, and a stall (bytes held
 * until lifted). Immutable.
 *
 * @param delayMillis added to every chunk's delivery
 * @param jitterMillis the delay varies uniformly by up to this much either way; at most the delay
 * @param bytesPerSecond the rate cap of each direction of each connection; 0 = none
 * @param stalled bytes are read and held, none delivered, until the stall is lifted
 */
public record LinkFaults(
    long delayMillis, long jitterMillis, long bytesPerSecond, boolean stalled) {
  public static final LinkFaults NONE = new LinkFaults(0, 0, 0, false);

  public LinkFaults {
    if (delayMillis < 0 || jitterMillis < 0 || bytesPerSecond < 0) {
      throw new IllegalArgumentException(
          "link faults: delay, jitter and bandwidth must not be negative");
    }
    if (jitterMillis > delayMillis) {
      throw new IllegalArgumentException(
          "link faults: jitter " + jitterMillis + " ms exceeds the delay " + delayMillis + " ms");
    }
  }

  public static LinkFaults none() {
    return NONE;
  }

  public LinkFaults withDelay(long delayMillis, long jitterMillis) {
    return new LinkFaults(delayMillis, jitterMillis, bytesPerSecond, stalled);
  }

  public LinkFaults withBandwidth(long bytesPerSecond) {
    return new LinkFaults(delayMillis, jitterMillis, bytesPerSecond, stalled);
  }

  public LinkFaults withStall(boolean stalled) {
    return new LinkFaults(delayMillis, jitterMillis, bytesPerSecond, stalled);
  }

  /** "delay 40±10 ms, bandwidth 64 KiB/s", "stall", "no faults". */
  public String describe() {
    List<String> parts = new ArrayList<>();
    if (delayMillis > 0)
      parts.add("delay " + delayMillis + (jitterMillis > 0 ? "±" + jitterMillis : "") + " ms");
    if (bytesPerSecond > 0) {
      parts.add(
          bytesPerSecond % 1024 == 0
              ? "bandwidth " + (bytesPerSecond >> 10) + " KiB/s"
              : "bandwidth " + bytesPerSecond + " B/s");
    }
    if (stalled) parts.add("stall");
    return parts.isEmpty() ? "no faults" : String.join(", ", parts);
  }
}
