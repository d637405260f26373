package io.raftjvm.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.MessageType;
import io.raftjvm.proto.Snapshot;
import io.raftjvm.proto.SnapshotChunk;
import io.raftjvm.proto.SnapshotMetadata;
import io.raftjvm.runtime.FileSnapshotStore;
import io.raftjvm.runtime.SnapshotStore;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The follower's side of InstallSnapshot: only whole, checked data lets the snapshot message
 * through.
 */
class SnapshotReceiverTest {
  private static final SnapshotMetadata META =
      SnapshotMetadata.newBuilder()
          .setIndex(500)
          .setTerm(3)
          .setConfState(ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(3))
          .build();

  @TempDir Path dir;
  private final List<Message> delivered = new ArrayList<>();

  private SnapshotReceiver receiver(SnapshotStore store) {
    return new SnapshotReceiver(store, delivered::add, Runnable::run); // finishes inline
  }

  private static byte[] data(int n) {
    byte[] b = new byte[n];
    new SplittableRandom(n).nextBytes(b);
    return b;
  }

  private static List<SnapshotChunk> chunks(byte[] data, int size, SnapshotMetadata meta) {
    CRC32C crc = new CRC32C();
    crc.update(data);
    List<SnapshotChunk> out = new ArrayList<>();
    for (int off = 0; off == 0 || off < data.length; off += size) {
      int len = Math.min(size, data.length - off);
      out.add(
          SnapshotChunk.newBuilder()
              .setIndex(meta.getIndex())
              .setTerm(meta.getTerm())
              .setOffset(off)
              .setData(ByteString.copyFrom(data, off, len))
              .setTotalSize(data.length)
              .setCrc32C((int) crc.getValue())
              .build());
      if (data.length == 0) break;
    }
    return out;
  }

  private static Message message(long from, SnapshotMetadata meta) {
    return Message.newBuilder()
        .setType(MessageType.MSG_SNAPSHOT)
        .setFrom(from)
        .setTo(2)
        .setTerm(meta.getTerm())
        .setSnapshot(Snapshot.newBuilder().setMetadata(meta))
        .build();
  }

  @Test
  void chunksInOrderThenTheMessageInstallIt() throws Exception {
    SnapshotStore store = FileSnapshotStore.open(dir);
    SnapshotReceiver r = receiver(store);
    byte[] data = data(100_000);
    for (SnapshotChunk c : chunks(data, 4096, META)) r.chunk(1, c);
    r.message(message(1, META));
    assertEquals(1, delivered.size());
    try (InputStream in = store.get(500, 3).openVerified()) {
      assertArrayEquals(data, in.readAllBytes());
    }
  }

  @Test
  void aGapDropsTheStreamAndTheMessage() throws Exception {
    SnapshotStore store = FileSnapshotStore.open(dir);
    SnapshotReceiver r = receiver(store);
    List<SnapshotChunk> cs = chunks(data(20_000), 4096, META);
    cs.remove(2);
    for (SnapshotChunk c : cs) r.chunk(1, c);
    r.message(message(1, META));
    assertEquals(List.of(), delivered);
    assertNull(store.get(500, 3));
  }

  @Test
  void corruptDataNeverReachesTheNode() throws Exception {
    SnapshotStore store = FileSnapshotStore.open(dir);
    SnapshotReceiver r = receiver(store);
    List<SnapshotChunk> cs = chunks(data(20_000), 4096, META);
    SnapshotChunk bad = cs.get(1).toBuilder().setData(ByteString.copyFrom(new byte[4096])).build();
    cs.set(1, bad);
    for (SnapshotChunk c : cs) r.chunk(1, c);
    r.message(message(1, META));
    assertEquals(List.of(), delivered);
    assertNull(store.get(500, 3));
  }

  @Test
  void aNewLeadersStreamReplacesAnUnfinishedOne() throws Exception {
    SnapshotStore store = FileSnapshotStore.open(dir);
    SnapshotReceiver r = receiver(store);
    List<SnapshotChunk> old = chunks(data(20_000), 4096, META);
    r.chunk(1, old.get(0));
    r.chunk(1, old.get(1)); // leader 1 is deposed mid-stream
    SnapshotMetadata newer = META.toBuilder().setIndex(600).setTerm(4).build();
    byte[] data = data(9_000);
    for (SnapshotChunk c : chunks(data, 4096, newer)) r.chunk(3, c);
    r.message(message(1, META)); // a stale message from the old leader
    assertEquals(List.of(), delivered);
    for (SnapshotChunk c : chunks(data, 4096, newer)) r.chunk(3, c);
    r.message(message(3, newer));
    assertEquals(List.of(message(3, newer)), delivered);
    assertNull(store.get(500, 3));
  }

  /**
   * The leader sends a snapshot again before it hears it was installed: the copy here is kept and
   * used.
   */
  @Test
  void aSnapshotSentAgainIsNotWrittenAgain() throws Exception {
    SnapshotStore store = FileSnapshotStore.open(dir);
    SnapshotReceiver r = receiver(store);
    byte[] data = data(30_000);
    for (SnapshotChunk c : chunks(data, 4096, META)) r.chunk(1, c);
    r.message(message(1, META));
    SnapshotStore.Stored first = store.get(500, 3);
    for (SnapshotChunk c : chunks(data, 4096, META)) r.chunk(1, c);
    r.message(message(1, META));
    assertEquals(2, delivered.size());
    assertEquals(first, store.get(500, 3));
    try (var files = java.nio.file.Files.list(dir)) {
      assertEquals(1, files.count(), "no second copy, no leftover");
    }
  }

  @Test
  void anEmptySnapshotIsOneEmptyChunk() throws Exception {
    SnapshotStore store = FileSnapshotStore.open(dir);
    SnapshotReceiver r = receiver(store);
    for (SnapshotChunk c : chunks(new byte[0], 4096, META)) r.chunk(1, c);
    r.message(message(1, META));
    assertEquals(1, delivered.size());
    assertEquals(0, store.get(500, 3).size());
  }
}
