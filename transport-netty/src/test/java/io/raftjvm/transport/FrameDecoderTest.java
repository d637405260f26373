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
      EmbeddedChannel ch = channel(new FrameDecoder(MAX));
      ByteBuf wire = Unpooled.wrappedBuffer(frame("one"), frame(""), frame("x".repeat(MAX - 4)), frame("four"));
      List<String> got = new ArrayList<>();
      while (wire.isReadable()) {
        ch.writeInbound(wire.readRetainedSlice(random.nextInt(1, Math.min(9, wire.readableBytes()) + 1)));
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
    EmbeddedChannel ch = channel(new FrameDecoder(MAX));
    ch.writeInbound(Unpooled.wrappedBuffer(frame("a"), frame("bb"), frame("ccc")));
    assertEquals(List.of("a", "bb", "ccc"), bodies(ch));
  }

  /** The limit counts the length field, and the connection fails as soon as the length is known. */
  @Test
  void frameOverTheLimitClosesOnItsLengthWithOneWarning() {
    try (LogCapture log = new LogCapture(CloseOnErrorHandler.class)) {
      EmbeddedChannel ch = channel(new FrameDecoder(MAX));
      ch.writeInbound(frame("y".repeat(MAX - 4)));
      assertEquals(List.of("y".repeat(MAX - 4)), bodies(ch), "exactly the limit is accepted");
      ByteBuf tooLong = Unpooled.buffer().writeInt(MAX - 3).writeByte('z'); // one byte of 61
      ch.writeInbound(Unpooled.wrappedBuffer(tooLong, frame("after"))); // the rest is dropped
      assertFalse(ch.isOpen());
      assertEquals(List.of(), bodies(ch));
      assertEquals(List.of("WARN closing peer connection from embedded: frame too long ("
          + (MAX + 1) + " bytes announced, limit " + MAX + ")"), log.lines(Level.WARN));
    }
  }

  @Test
  void lengthWithTheTopBitSetIsTooLongNotNegative() {
    try (LogCapture log = new LogCapture(CloseOnErrorHandler.class)) {
      EmbeddedChannel ch = channel(new FrameDecoder(MAX));
      ch.writeInbound(Unpooled.buffer().writeInt(-1).writeBytes(frame("ok")));
      assertFalse(ch.isOpen());
      assertEquals(List.of(), bodies(ch));
      assertEquals(1, log.lines(Level.WARN).size());
      assertTrue(log.lines(Level.WARN).get(0).contains("4294967299 bytes announced"), log.lines(Level.WARN).toString());
    }
  }

  @Test
  void raisingTheLimitAdmitsLargerFramesFromTheNextOne() {
    EmbeddedChannel ch = channel(new FrameDecoder(16, MAX));
    assertEquals(16, ((FrameDecoder) ch.pipeline().first()).limit());
    ch.writeInbound(frame("small"));
    assertEquals(List.of("small"), bodies(ch));
    ((FrameDecoder) ch.pipeline().first()).raiseLimit();
    ch.writeInbound(frame("z".repeat(MAX - 4)));
    assertEquals(List.of("z".repeat(MAX - 4)), bodies(ch));
    assertTrue(ch.isOpen());
    assertNull(ch.readInbound());
  }
}
