package io.raftjvm.transport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The length-prefixed frame decoder alone: fragments, batches and its limit. */
class FrameDecoderTest {
  private static final int MAX = 64;

  private static EmbeddedChannel channel(FrameDecoder decoder) {
    return new EmbeddedChannel(decoder, new CloseOnErrorHandler("peer connection from"));
  }

  /** A frame on the wire: length, then the text's bytes. */
  static ByteBuf frame(String body) {
    byte[] b = body.getBytes(UTF_8);
    return Unpooled.buffer().writeInt(b.length).writeBytes(b);
  }

  private static List<String> bodies(EmbeddedChannel ch) {
    List<String> out = new ArrayList<>();
    for (ByteBuf b; (b = ch.readInbound()) != null; b.release()) {
      out.add(b.toString(UTF_8));
    }
    return out;
  }

  @Test
  void framesCutAtRandomPointsComeOutWhole() {
    SplittableRandom random = new SplittableRandom(7);
    for (int round = 0; round < 200; round++) {
      EmbeddedChannel ch = channel(new FrameDecoder(MAX, FrameBudget.UNLIMITED));
      ByteBuf wire =
          Unpooled.wrappedBuffer(
              frame("one"), frame(""), frame("x".repeat(MAX - 4)), frame("four"));
      List<String> got = new ArrayList<>();
      while (wire.isReadable()) {
        ch.writeInbound(
            wire.readRetainedSlice(random.nextInt(1, Math.min(9, wire.readableBytes()) + 1)));
        got.addAll(bodies(ch));
      }
      wire.release();
      assertEquals(List.of("one", "", "x".repeat(MAX - 4), "four"), got, "round " + round);
      assertTrue(ch.isOpen());
      assertFalse(ch.finish(), "nothing left over");
    }
  }

  @Test
  void severalFramesInOneBufferComeOutInOrder() {
    EmbeddedChannel ch = channel(new FrameDecoder(MAX, FrameBudget.UNLIMITED));
    ch.writeInbound(Unpooled.wrappedBuffer(frame("a"), frame("bb"), frame("ccc")));
    assertEquals(List.of("a", "bb", "ccc"), bodies(ch));
  }

  /** The limit counts the length field, and the connection fails as soon as the length is known. */
  @Test
  void frameOverTheLimitClosesOnItsLengthWithOneWarning() {
    try (LogCapture log = new LogCapture(CloseOnErrorHandler.class)) {
      EmbeddedChannel ch = channel(new FrameDecoder(MAX, FrameBudget.UNLIMITED));
      ch.writeInbound(frame("y".repeat(MAX - 4)));
      assertEquals(List.of("y".repeat(MAX - 4)), bodies(ch), "exactly the limit is accepted");
      ByteBuf tooLong = Unpooled.buffer().writeInt(MAX - 3).writeByte('z'); // one byte of 61
      ch.writeInbound(Unpooled.wrappedBuffer(tooLong, frame("after"))); // the rest is dropped
      assertFalse(ch.isOpen());
      assertEquals(List.of(), bodies(ch));
      assertEquals(
          List.of(
              "WARN closing peer connection from embedded: frame too long ("
                  + (MAX + 1)
                  + " bytes announced, limit "
                  + MAX
                  + ")"),
          log.lines(Level.WARN));
    }
  }

  /** A TLS ClientHello on a plaintext port is named as such, not as an absurd frame length. */
  @Test
  void aTlsHandshakeOnAPlaintextPortIsNamed() {
    try (LogCapture log = new LogCapture(CloseOnErrorHandler.class)) {
      EmbeddedChannel ch = channel(new FrameDecoder(MAX, FrameBudget.UNLIMITED));
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01}));
      assertFalse(ch.isOpen());
      assertEquals(
          List.of(
              "WARN closing peer connection from embedded: a TLS handshake on a plaintext port"
                  + " (the other side has TLS on, this server has raft.tls.enabled = false)"),
          log.lines(Level.WARN));
    }
  }

  @Test
  void lengthWithTheTopBitSetIsTooLongNotNegative() {
    try (LogCapture log = new LogCapture(CloseOnErrorHandler.class)) {
      EmbeddedChannel ch = channel(new FrameDecoder(MAX, FrameBudget.UNLIMITED));
      ch.writeInbound(Unpooled.buffer().writeInt(-1).writeBytes(frame("ok")));
      assertFalse(ch.isOpen());
      assertEquals(List.of(), bodies(ch));
      assertEquals(1, log.lines(Level.WARN).size());
      assertTrue(
          log.lines(Level.WARN).get(0).contains("4294967299 bytes announced"),
          log.lines(Level.WARN).toString());
    }
  }

  @Test
  void raisingTheLimitAdmitsLargerFramesFromTheNextOne() {
    EmbeddedChannel ch = channel(new FrameDecoder(16, MAX, FrameBudget.UNLIMITED));
    assertEquals(16, ((FrameDecoder) ch.pipeline().first()).limit());
    ch.writeInbound(frame("small"));
    assertEquals(List.of("small"), bodies(ch));
    ((FrameDecoder) ch.pipeline().first()).raiseLimit();
    ch.writeInbound(frame("z".repeat(MAX - 4)));
    assertEquals(List.of("z".repeat(MAX - 4)), bodies(ch));
    assertTrue(ch.isOpen());
    assertNull(ch.readInbound());
  }

  /**
   * The first bytes of a frame of {@code frameBytes} (length field included): {@code sent} of them.
   */
  private static ByteBuf partial(int frameBytes, int sent) {
    return Unpooled.buffer().writeInt(frameBytes - 4).writeZero(sent - 4);
  }

  @Test
  void connectionsShareTheBudgetAndTheOneThatWouldExceedItIsClosed() {
    FrameBudget budget = new FrameBudget(100);
    try (LogCapture log = new LogCapture(CloseOnErrorHandler.class)) {
      EmbeddedChannel a = channel(new FrameDecoder(MAX, budget));
      EmbeddedChannel b = channel(new FrameDecoder(MAX, budget));
      a.writeInbound(partial(MAX, 40));
      b.writeInbound(partial(MAX, 50));
      assertEquals(90, budget.used());
      b.writeInbound(Unpooled.buffer().writeZero(11)); // b would hold 61: 101 in all
      assertFalse(b.isOpen());
      assertTrue(a.isOpen());
      assertEquals(40, budget.used(), "b's charge is given back");
      assertEquals(
          List.of(
              "WARN closing peer connection from embedded: incomplete frames on this port would hold"
                  + " more than the budget of 100 bytes"),
          log.lines(Level.WARN));

      a.writeInbound(Unpooled.buffer().writeZero(MAX - 40)); // a's frame completes
      assertEquals(1, bodies(a).size());
      assertEquals(0, budget.used(), "a completed frame holds nothing");
      a.writeInbound(partial(MAX, 30));
      assertEquals(30, budget.used());
      a.close();
      assertEquals(0, budget.used(), "closing gives the charge back");
      assertEquals(1, log.lines(Level.WARN).size(), "one line for the closed connection");
    }
  }

  @Test
  void onlyTheIncompleteRestOfABufferIsCharged() {
    FrameBudget budget = new FrameBudget(100);
    EmbeddedChannel ch = channel(new FrameDecoder(MAX, budget));
    ch.writeInbound(
        Unpooled.wrappedBuffer(frame("x".repeat(50)), frame("y".repeat(50)), partial(MAX, 7)));
    assertEquals(2, bodies(ch).size());
    assertEquals(7, budget.used());
    ch.writeInbound(Unpooled.buffer().writeZero(MAX - 7 - 1));
    assertEquals(MAX - 1, budget.used());
    ch.writeInbound(Unpooled.buffer().writeZero(1).writeBytes(frame("z")));
    assertEquals(2, bodies(ch).size());
    assertEquals(0, budget.used());
    assertTrue(ch.isOpen());
  }

  @Test
  void leavingThePipelineOrClosingGivesTheChargeBack() {
    FrameBudget budget = new FrameBudget(1000);
    EmbeddedChannel removed = channel(new FrameDecoder(MAX, budget));
    removed.writeInbound(partial(MAX, 20));
    EmbeddedChannel finished = channel(new FrameDecoder(MAX, budget));
    finished.writeInbound(partial(MAX, 10));
    assertEquals(30, budget.used());
    removed.pipeline().removeFirst();
    assertEquals(10, budget.used(), "a decoder taken out of the pipeline holds nothing");
    finished.finishAndReleaseAll();
    assertEquals(0, budget.used(), "a closed connection holds nothing");
  }
}
