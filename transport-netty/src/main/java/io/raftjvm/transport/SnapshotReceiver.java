package io.raftjvm.transport;

import io.raftjvm.proto.Message;
import io.raftjvm.proto.SnapshotChunk;
import io.raftjvm.proto.SnapshotMetadata;
import io.raftjvm.runtime.SnapshotStore;
import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The follower's side of InstallSnapshot: writes incoming chunks into the snapshot store, and when
 * the MSG_SNAPSHOT message follows the last one, checks the whole data against the size and CRC32C
 * the leader sent, makes the snapshot durable and visible, and only then passes the message on to
 * the node. A partial or corrupt snapshot is never handed over: a stream that breaks, jumps or
 * comes from another leader is dropped, and the next one starts again at offset 0.
 *
 * <p>Chunks and messages arrive on the node's loop (the inbound peer channels live there), so the
 * receiving state needs no lock; writing a chunk is an append to the page cache. The final force,
 * check and rename run on finisher, off the loop.
 */
public final class SnapshotReceiver {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotReceiver.class);

  private final SnapshotStore store;

  /** Takes the MSG_SNAPSHOT message once its data is durable and checked. */
  private final Consumer<Message> installed;

  private final Executor finisher;
  // The stream being received; loop only.
  private SnapshotStore.Writer writer;
  private long from;
  private SnapshotChunk first;

  /** The stream's snapshot is already complete here: its chunks are skipped. */
  private boolean haveIt;

  public SnapshotReceiver(SnapshotStore store, Consumer<Message> installed, Executor finisher) {
    this.store = store;
    this.installed = installed;
    this.finisher = finisher;
  }

  /** A piece of a snapshot from peer. */
  public void chunk(long peer, SnapshotChunk chunk) {
    try {
      if (chunk.getOffset() == 0) {
        abort();
        from = peer;
        first = chunk;
        if (store.get(chunk.getIndex(), chunk.getTerm()) != null) {
          // Already here, complete (the leader sent it again before hearing we installed it).
          haveIt = true;
          return;
        }
        writer = store.begin(chunk.getIndex(), chunk.getTerm());
        LOG.info(
            "receiving snapshot {}-{} ({} bytes) from node {}",
            chunk.getIndex(),
            chunk.getTerm(),
            chunk.getTotalSize(),
            peer);
      } else if (haveIt
          && peer == from
          && chunk.getIndex() == first.getIndex()
          && chunk.getTerm() == first.getTerm()) {
        return;
      } else if (writer == null
          || peer != from
          || chunk.getIndex() != first.getIndex()
          || chunk.getTerm() != first.getTerm()
          || chunk.getOffset() != writer.size()) {
        if (writer != null)
          LOG.info("snapshot stream from node {} broke at offset {}; dropped", from, writer.size());
        abort();
        return;
      }
      writer.append(chunk.getData().asReadOnlyByteBuffer());
    } catch (IOException e) {
      LOG.warn("cannot write the snapshot from node {}: {}", peer, e.toString());
      abort();
    }
  }

  /** The MSG_SNAPSHOT message that ends a stream: passed on only if its data arrived whole. */
  public void message(Message m) {
    SnapshotMetadata meta = m.getSnapshot().getMetadata();
    SnapshotStore.Writer w = writer;
    SnapshotChunk head = first;
    boolean had = haveIt;
    writer = null;
    first = null;
    haveIt = false;
    if (had
        && m.getFrom() == from
        && head.getIndex() == meta.getIndex()
        && head.getTerm() == meta.getTerm()) {
      installed.accept(m);
      return;
    }
    if (w == null
        || m.getFrom() != from
        || head.getIndex() != meta.getIndex()
        || head.getTerm() != meta.getTerm()) {
      if (w != null) w.abort();
      LOG.info(
          "dropped snapshot message {}-{} from node {}: its data did not arrive",
          meta.getIndex(),
          meta.getTerm(),
          m.getFrom());
      return;
    }
    finisher.execute(
        () -> {
          try {
            w.finishReceived(meta, head.getTotalSize(), head.getCrc32C());
          } catch (IOException | RuntimeException e) {
            LOG.warn(
                "dropped snapshot {}-{} from node {}: {}",
                meta.getIndex(),
                meta.getTerm(),
                m.getFrom(),
                e.getMessage());
            return;
          }
          LOG.info(
              "received snapshot {}-{} from node {}", meta.getIndex(), meta.getTerm(), m.getFrom());
          installed.accept(m);
        });
  }

  private void abort() {
    if (writer != null) writer.abort();
    writer = null;
    first = null;
    haveIt = false;
  }
}
