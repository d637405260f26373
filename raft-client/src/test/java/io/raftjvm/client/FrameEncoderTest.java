package io.raftjvm.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

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
}
