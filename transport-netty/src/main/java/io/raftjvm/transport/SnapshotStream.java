package io.raftjvm.transport;

import com.google.protobuf.UnsafeByteOperations;
import io.netty.channel.Channel;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.PeerFrame;
import io.raftjvm.proto.SnapshotChunk;
import io.raftjvm.runtime.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's side of InstallSnapshot for one follower: reads the snapshot's data from disk one
 * chunk at a time and writes each on the peer channel once the previous one has gone out, so at
 * most one chunk is in memory whatever the snapshot's size; then sends the MSG_SNAPSHOT message.
 * Other traffic to the follower (heartbeats) interleaves with the chunks. Runs on the channel's
 * event loop (the node's). A failed write or read ends the stream and reports false.
 */
final class SnapshotStream {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotStream.class);

  private final Channel channel;
  private final Message message;
  private final SnapshotStore.Stored snapshot;
  private final int chunkBytes;
  private final Consumer<Boolean> done;
  private InputStream data;
  private long offset;

  SnapshotStream(
      Channel channel,
      Message message,
      SnapshotStore.Stored snapshot,
      int chunkBytes,
      Consumer<Boolean> done) {
    this.channel = channel;
    this.message = message;
    this.snapshot = snapshot;
    this.chunkBytes = chunkBytes;
    this.done = done;
  }

  void start() {
    try {
      data = snapshot.open();
    } catch (IOException e) {
      finish(false, "cannot open snapshot " + snapshot.metadata().getIndex() + ": " + e);
      return;
    }
    LOG.info(
        "sending snapshot {}-{} ({} bytes) to node {}",
        snapshot.metadata().getIndex(),
        snapshot.metadata().getTerm(),
        snapshot.size(),
        message.getTo());
    next();
  }

  private void next() {
    if (!channel.isActive()) {
      finish(false, "connection closed");
      return;
    }
    if (offset >= snapshot.size() && offset > 0) {
      channel
          .writeAndFlush(PeerFrame.newBuilder().setMessage(message).build())
          .addListener(
              f -> finish(f.isSuccess(), f.isSuccess() ? null : String.valueOf(f.cause())));
      return;
    }
    int want = (int) Math.min(chunkBytes, snapshot.size() - offset);
    byte[] buf;
    try {
      buf = data.readNBytes(want);
      if (buf.length < want)
        throw new IOException("unexpected end of data at " + (offset + buf.length));
    } catch (IOException e) {
      finish(false, "cannot read snapshot " + snapshot.metadata().getIndex() + ": " + e);
      return;
    }
    SnapshotChunk chunk =
        SnapshotChunk.newBuilder()
            .setIndex(snapshot.metadata().getIndex())
            .setTerm(snapshot.metadata().getTerm())
            .setOffset(offset)
            .setData(UnsafeByteOperations.unsafeWrap(buf))
            .setTotalSize(snapshot.size())
            .setCrc32C(snapshot.crc32c())
            .build();
    offset += chunk.getData().size();
    if (snapshot.size() == 0) offset = 1; // an empty snapshot is one empty chunk
    channel
        .writeAndFlush(PeerFrame.newBuilder().setSnapshotChunk(chunk).build())
        .addListener(
            f -> {
              if (f.isSuccess()) next();
              else finish(false, "write failed: " + f.cause());
            });
  }

  private void finish(boolean ok, String why) {
    try {
      if (data != null) data.close();
    } catch (IOException e) {
      // read-only
    }
    if (ok) {
      LOG.info(
          "sent snapshot {}-{} to node {}",
          snapshot.metadata().getIndex(),
          snapshot.metadata().getTerm(),
          message.getTo());
    } else {
      LOG.info(
          "snapshot {}-{} to node {} failed: {}",
          snapshot.metadata().getIndex(),
          snapshot.metadata().getTerm(),
          message.getTo(),
          why);
    }
    done.accept(ok);
  }
}
