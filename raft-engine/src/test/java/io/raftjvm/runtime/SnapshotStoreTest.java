package io.raftjvm.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.SnapshotMetadata;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotStoreTest {
  private static final ConfState CONF =
      ConfState.newBuilder().addVoters(1).addVoters(2).addLearners(3).build();

  @TempDir Path dir;

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  @Test
  void aFinishedSnapshotReadsBackWhole() throws Exception {
    FileSnapshotStore store = FileSnapshotStore.open(dir);
    byte[] data = bytes(300_000, 1);
    FileSnapshotStore.FileWriter w = store.begin(120, 3);
    w.out().write(data);
    FileSnapshotStore.FileStored s = w.finish(CONF);
    assertEquals(
        SnapshotMetadata.newBuilder().setIndex(120).setTerm(3).setConfState(CONF).build(),
        s.metadata());
    FileSnapshotStore.FileStored again = FileSnapshotStore.open(dir).get(120, 3);
    assertEquals(s, again);
    try (InputStream in = again.openVerified()) {
      assertArrayEquals(data, in.readAllBytes());
    }
    assertNull(store.get(121, 3));
  }

  @Test
  void anUnfinishedSnapshotIsInvisibleAndGoneAfterReopen() throws Exception {
    FileSnapshotStore store = FileSnapshotStore.open(dir);
    FileSnapshotStore.FileWriter w = store.begin(50, 2);
    w.out().write(bytes(1000, 2));
    w.out().flush();
    assertTrue(store.list().isEmpty());
    FileSnapshotStore.open(dir); // a crash before finish, then a restart
    try (var files = Files.list(dir)) {
      assertEquals(0, files.count(), "the leftover temp directory is deleted");
    }
  }

  @Test
  void corruptDataIsRefusedBeforeAnyRestore() throws Exception {
    FileSnapshotStore store = FileSnapshotStore.open(dir);
    FileSnapshotStore.FileWriter w = store.begin(10, 1);
    w.out().write(bytes(5000, 3));
    FileSnapshotStore.FileStored s = w.finish(CONF);
    try (var ch = java.nio.channels.FileChannel.open(s.data(), StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {42}), 100);
    }
    SnapshotStore.CorruptSnapshotException e =
        assertThrows(SnapshotStore.CorruptSnapshotException.class, s::openVerified);
    assertTrue(e.getMessage().contains("CRC32C"), e.getMessage());
    Files.write(s.data().getParent().resolve(FileSnapshotStore.META), new byte[] {1, 2, 3});
    assertThrows(SnapshotStore.CorruptSnapshotException.class, () -> store.get(10, 1));
  }

  @Test
  void aReceivedSnapshotMustMatchWhatTheLeaderSent() throws Exception {
    FileSnapshotStore store = FileSnapshotStore.open(dir);
    byte[] data = bytes(10_000, 4);
    CRC32C crc = new CRC32C();
    crc.update(data);
    SnapshotMetadata meta =
        SnapshotMetadata.newBuilder().setIndex(77).setTerm(5).setConfState(CONF).build();
    FileSnapshotStore.FileWriter w = store.begin(77, 5);
    w.append(ByteBuffer.wrap(data, 0, 4000));
    w.append(ByteBuffer.wrap(data, 4000, 6000));
    assertEquals(10_000, w.size());
    FileSnapshotStore.FileStored s = w.finishReceived(meta, data.length, (int) crc.getValue());
    s.verify();

    FileSnapshotStore.FileWriter bad = store.begin(78, 5);
    bad.append(ByteBuffer.wrap(data, 0, 9999));
    SnapshotMetadata meta78 = meta.toBuilder().setIndex(78).build();
    assertThrows(
        SnapshotStore.CorruptSnapshotException.class,
        () -> bad.finishReceived(meta78, data.length, (int) crc.getValue()));
    assertNull(store.get(78, 5), "a mismatching snapshot never becomes visible");
  }

  @Test
  void olderSnapshotsAreDeleted() throws Exception {
    FileSnapshotStore store = FileSnapshotStore.open(dir);
    for (long i = 1; i <= 3; i++) {
      FileSnapshotStore.FileWriter w = store.begin(i * 10, 1);
      w.out().write(bytes(10, i));
      w.finish(CONF);
    }
    store.deleteBefore(30);
    assertEquals(1, store.list().size());
    assertEquals(30, store.list().get(0).metadata().getIndex());
  }
}
