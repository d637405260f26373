package io.raftjvm.transport;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.MessageType;
import io.raftjvm.proto.PeerFrame;
import io.raftjvm.proto.PeerHello;

/** Builders for test frames, and their wire form (4-byte length + protobuf) built by hand. */
final class Frames {
  private Frames() {}

  static Message append(long from, long to, long index) {
    return Message.newBuilder()
        .setType(MessageType.MSG_APPEND)
        .setFrom(from)
        .setTo(to)
        .setTerm(3)
        .setIndex(index)
        .setLogTerm(3)
        .setCommit(index)
        .addEntries(
            Entry.newBuilder()
                .setTerm(3)
                .setIndex(index + 1)
                .setData(ByteString.copyFromUtf8("command " + index)))
        .build();
  }

  static PeerFrame frame(Message m) {
    return PeerFrame.newBuilder().setMessage(m).build();
  }

  static PeerFrame hello(String clusterId, long from, long to) {
    return PeerFrame.newBuilder()
        .setHello(PeerHello.newBuilder().setClusterId(clusterId).setFrom(from).setTo(to))
        .build();
  }

  /** The frames' wire bytes, one after another. */
  static ByteBuf wire(PeerFrame... frames) {
    ByteBuf buf = Unpooled.buffer();
    for (PeerFrame f : frames) {
      byte[] body = f.toByteArray();
      buf.writeInt(body.length).writeBytes(body);
    }
    return buf;
  }
}
