package io.raftjvm.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.Propose;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A message goes out as one buffer: its 4-byte length, then exactly its bytes; a batch goes out as
 * one buffer holding its messages' frames back to back.
 */
class FrameEncoderTest {
  @Test
  void aMessageIsItsLengthThenItsBytesInOneBuffer() throws Exception {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameEncoder());
    for (int size : new int[] {0, 1, 300, 70_000}) {
      ClientRequest m =
          ClientRequest.newBuilder()
              .setRequestId(size + 1L)
              .setPropose(Propose.newBuilder().setCommand(ByteString.copyFrom(new byte[size])))
              .build();
      ch.writeOutbound(m);
      ByteBuf out = ch.readOutbound();
      try {
        byte[] expected = m.toByteArray();
        assertEquals(4 + expected.length, out.readableBytes());
        assertEquals(expected.length, out.readInt());
        byte[] body = new byte[out.readableBytes()];
        out.readBytes(body);
        assertEquals(m, ClientRequest.parseFrom(body));
      } finally {
        out.release();
      }
      assertNull(ch.readOutbound(), "one buffer per message");
    }
    ch.finishAndReleaseAll();
  }

  @Test
  void aBatchIsItsFramesBackToBackInOneBuffer() throws Exception {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameEncoder());
    List<ClientRequest> batch = new ArrayList<>();
    for (int size : new int[] {0, 5, 300, 70_000})
      batch.add(
          ClientRequest.newBuilder()
              .setRequestId(size + 1L)
              .setPropose(Propose.newBuilder().setCommand(ByteString.copyFrom(new byte[size])))
              .build());
    ch.writeOutbound(Framing.frames(batch));
    ByteBuf out = ch.readOutbound();
    try {
      int total = 0;
      for (ClientRequest m : batch) total += 4 + m.getSerializedSize();
      assertEquals(total, out.readableBytes(), "exactly the frames, in one buffer");
      for (ClientRequest m : batch) {
        int len = out.readInt();
        byte[] body = new byte[len];
        out.readBytes(body);
        assertEquals(m, ClientRequest.parseFrom(body), "frames in order");
      }
    } finally {
      out.release();
    }
    assertNull(ch.readOutbound(), "one buffer per batch");
    ch.finishAndReleaseAll();
  }

  @Test
  void aBatchOfOneIsTheMessageItself() {
    ClientRequest m = ClientRequest.newBuilder().setRequestId(7).build();
    assertSame(m, Framing.frames(List.of(m)));
  }

  @Test
  void aRequestIsFramedAsTheMessageBuiltWithItsId() throws Exception {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameEncoder());
    ClientRequest template =
        ClientRequest.newBuilder()
            .setPropose(
                Propose.newBuilder()
                    .setClientId(9)
                    .setSession(3)
                    .setSequence(1L << 40)
                    .setCommand(ByteString.copyFrom(new byte[300])))
            .build();
    for (long id : new long[] {0, 1, 127, 128, 1L << 35, Long.MAX_VALUE, -1}) {
      Framing.Request r = new Framing.Request(template, id);
      ch.writeOutbound(r);
      ByteBuf out = ch.readOutbound();
      try {
        byte[] expected = template.toBuilder().setRequestId(id).build().toByteArray();
        assertEquals(4 + expected.length, out.readableBytes(), "id " + id);
        assertEquals(expected.length, out.readInt());
        byte[] body = new byte[out.readableBytes()];
        out.readBytes(body);
        assertArrayEquals(expected, body, "the very bytes of the built message, id " + id);
        assertEquals(id, ClientRequest.parseFrom(body).getRequestId());
      } finally {
        out.release();
      }
    }
    ch.finishAndReleaseAll();
  }

  @Test
  void aBatchMayMixRequestsAndMessages() throws Exception {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameEncoder());
    ClientRequest template =
        ClientRequest.newBuilder()
            .setPropose(Propose.newBuilder().setCommand(ByteString.copyFromUtf8("add 1")))
            .build();
    List<ClientRequest> expected =
        List.of(
            template.toBuilder().setRequestId(5).build(),
            ClientRequest.newBuilder().setRequestId(6).build(),
            template.toBuilder().setRequestId(70_000).build());
    ch.writeOutbound(
        Framing.frames(
            List.of(
                new Framing.Request(template, 5),
                expected.get(1),
                new Framing.Request(template, 70_000))));
    ByteBuf out = ch.readOutbound();
    try {
      for (ClientRequest m : expected) {
        byte[] body = new byte[out.readInt()];
        out.readBytes(body);
        assertEquals(m, ClientRequest.parseFrom(body));
      }
      assertEquals(0, out.readableBytes(), "exactly the frames");
    } finally {
      out.release();
    }
    ch.finishAndReleaseAll();
  }

  @Test
  void aTemplateCarriesNoRequestId() {
    ClientRequest withId = ClientRequest.newBuilder().setRequestId(4).build();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Framing.Request(withId, 5));
    assertEquals("a template carries no request_id", e.getMessage());
  }
}
