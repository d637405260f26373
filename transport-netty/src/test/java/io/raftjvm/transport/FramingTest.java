package io.raftjvm.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.raftjvm.proto.PeerFrame;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The peer framing (length prefix + protobuf) in memory: fragments, batches, limits, garbage. */
class FramingTest {
  private static final int MAX = 256;

  private static EmbeddedChannel channel() {
    return new EmbeddedChannel(
        new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            PeerCodec.addTo(ch.pipeline(), new FrameDecoder(MAX, FrameBudget.UNLIMITED));
            ch.pipeline().addLast(new CloseOnErrorHandler("peer connection from"));
          }
        });
  }

  @Test
  void encoderWritesLengthThenProtobuf() {
    EmbeddedChannel ch = channel();
    PeerFrame frame = Frames.frame(Frames.append(1, 2, 7));
    assertTrue(ch.writeOutbound(frame));
    ByteBuf out = Unpooled.buffer();
    for (ByteBuf b; (b = ch.readOutbound()) != null; b.release()) {
      out.writeBytes(b);
    }
    assertEquals(Frames.wire(frame), out);
  }

  @Test
  void frameFedByteByByteDecodesToOneMessage() {
    EmbeddedChannel ch = channel();
    PeerFrame frame = Frames.frame(Frames.append(1, 2, 7));
    ByteBuf wire = Frames.wire(frame);
    while (wire.readableBytes() > 1) {
      ch.writeInbound(wire.readRetainedSlice(1));
      assertNull(ch.readInbound(), "decoded before the last byte arrived");
    }
    ch.writeInbound(wire.readRetainedSlice(1));
    assertEquals(frame, ch.readInbound());
    assertNull(ch.readInbound());
    assertTrue(ch.isOpen());
  }

  @Test
  void severalFramesInOneBufferDecodeToSeveralMessages() {
    EmbeddedChannel ch = channel();
    PeerFrame a = Frames.hello("c1", 1, 2);
    PeerFrame b = Frames.frame(Frames.append(1, 2, 7));
    PeerFrame c = Frames.frame(Frames.append(1, 2, 8));
    ch.writeInbound(Frames.wire(a, b, c));
    assertEquals(List.of(a, b, c), List.of(ch.readInbound(), ch.readInbound(), ch.readInbound()));
    assertNull(ch.readInbound());
  }

  /** The maximum counts the 4-byte length field, as Netty's LengthFieldBasedFrameDecoder does. */
  @Test
  void frameOfExactlyTheMaximumIsAccepted() {
    EmbeddedChannel ch = channel();
    PeerFrame frame = Frames.hello("", 1, 2);
    for (int n = 1; frame.getSerializedSize() < MAX - 4; n++) {
      frame = Frames.hello("x".repeat(n), 1, 2);
    }
    assertEquals(MAX, 4 + frame.getSerializedSize());
    ch.writeInbound(Frames.wire(frame));
    assertEquals(frame, ch.readInbound());
    assertTrue(ch.isOpen());
  }

  @Test
  void oversizedFrameClosesTheConnectionWithOneWarning() {
    try (LogCapture log = new LogCapture(CloseOnErrorHandler.class)) {
      EmbeddedChannel ch = channel();
      ch.writeInbound(Unpooled.buffer().writeInt(MAX - 3).writeBytes(new byte[MAX - 3]));
      assertFalse(ch.isOpen());
      assertNull(ch.readInbound());
      List<String> warnings = log.lines(Level.WARN);
      assertEquals(1, warnings.size(), warnings.toString());
      assertTrue(
          warnings.get(0).contains("closing peer connection from embedded: frame too long"),
          warnings.get(0));
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0f0000", // field 1 with wire type 7: no such wire type
        "12640801", // field 2 (message) says 100 bytes, 2 follow
        "ffffffffffffffffffff01"
      }) // a varint tag longer than 10 bytes
  void undecodableFrameClosesTheConnectionWithOneWarning(String hex) {
    try (LogCapture log = new LogCapture(CloseOnErrorHandler.class)) {
      EmbeddedChannel ch = channel();
      byte[] garbage = java.util.HexFormat.of().parseHex(hex);
      ByteBuf buf = Unpooled.buffer();
      for (int i = 0; i < 2; i++) { // two bad frames in one read: still one line
        buf.writeInt(garbage.length).writeBytes(garbage);
      }
      ch.writeInbound(buf);
      assertFalse(ch.isOpen());
      assertNull(ch.readInbound());
      List<String> warnings = log.lines(Level.WARN);
      assertEquals(1, warnings.size(), warnings.toString());
      assertTrue(
          warnings.get(0).contains("closing peer connection from embedded: undecodable frame"),
          warnings.get(0));
    }
  }

  /** An Error from the cumulator (Netty does not wrap it) is one line without a stack trace. */
  @Test
  void anErrorInThePipelineClosesWithOneLineAndNoStackTrace() {
    try (LogCapture log = new LogCapture(CloseOnErrorHandler.class)) {
      EmbeddedChannel ch = channel();
      ch.pipeline()
          .get(FrameDecoder.class)
          .setCumulator(
              (alloc, cumulation, in) -> {
                in.release();
                throw new OutOfMemoryError("Cannot reserve 4194304 bytes of direct buffer memory");
              });
      ch.writeInbound(Unpooled.buffer().writeInt(100));
      assertFalse(ch.isOpen());
      assertEquals(
          List.of(
              "WARN closing peer connection from embedded: unexpected error"
                  + " (java.lang.OutOfMemoryError: Cannot reserve 4194304 bytes of direct buffer memory)"),
          log.lines(Level.WARN));
    }
  }
}
