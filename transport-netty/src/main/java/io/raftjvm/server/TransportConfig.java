package io.raftjvm.server;

/** {@code raft.transport}: the peer port's frame limits, write buffers and epoll. */
public record TransportConfig(
    int maxFrameBytes,
    long maxIncompleteFrameBytes,
    int writeBufferHighWater,
    int writeBufferLowWater,
    boolean nativeTransport) {
  static TransportConfig parse(ConfigReader r) {
    int maxFrame = r.intBytes("max-frame-size");
    int high = r.intBytes("write-buffer-high-water");
    int low = r.intBytes("write-buffer-low-water");
    if (low > high)
      throw r.bad("write-buffer-low-water", "must not exceed write-buffer-high-water");
    return new TransportConfig(
        maxFrame,
        r.atLeastOneFrame("max-incomplete-frame-bytes", "max-frame-size", maxFrame),
        high,
        low,
        r.bool("native"));
  }
}
