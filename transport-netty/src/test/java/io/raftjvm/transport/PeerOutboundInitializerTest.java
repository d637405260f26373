package io.raftjvm.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import io.netty.channel.embedded.EmbeddedChannel;
import io.raftjvm.proto.PeerFrame;
import io.raftjvm.proto.PeerNotice;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What comes back on a connection this server opened: a peer's notices. */
class PeerOutboundInitializerTest {
  private static PeerFrame notice(PeerNotice.Builder n) {
    return PeerFrame.newBuilder().setNotice(n).build();
  }

  /**
   * A refusal is logged once while it stays the same (the connection is retried every couple of
   * seconds), again when it changes; a not-member notice goes to the listener.
   */
  @Test
  void aPeersRefusalIsLoggedOnceWhileItStaysTheSame() {
    List<String> notMember = new ArrayList<>();
    PeerOutboundInitializer init =
        new PeerOutboundInitializer(
            1 << 20,
            new PeerWritabilityHandler(() -> {}),
            notMember::add,
            () -> TlsLayer.PLAINTEXT,
            "c1",
            3);
    String refused =
        "node 3 refuses this server: node 2 speaks peer protocol 1, this server 2 (no version in"
            + " common: upgrade node 2)";
    try (LogCapture log = new LogCapture(PeerOutboundInitializer.class)) {
      for (int attempt = 0; attempt < 3; attempt++) {
        EmbeddedChannel ch = new EmbeddedChannel(init);
        ch.writeInbound(Frames.wire(notice(PeerNotice.newBuilder().setRefused(refused))));
        ch.finishAndReleaseAll();
      }
      assertEquals(List.of("WARN peer 3: " + refused), log.lines(Level.WARN));
      EmbeddedChannel ch = new EmbeddedChannel(init);
      ch.writeInbound(Frames.wire(notice(PeerNotice.newBuilder().setRefused("another reason"))));
      ch.writeInbound(Frames.wire(notice(PeerNotice.newBuilder().setNotMember("removed"))));
      ch.finishAndReleaseAll();
      assertEquals(
          List.of("WARN peer 3: " + refused, "WARN peer 3: another reason"), log.lines(Level.WARN));
      assertEquals(List.of("removed"), notMember);
    }
  }
}
