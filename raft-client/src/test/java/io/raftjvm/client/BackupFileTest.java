package io.raftjvm.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.BackupFile.BadBackupException;
import io.raftjvm.client.proto.BackupHeader;
import io.raftjvm.client.proto.Membership;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backup file format: what is written reads back, and every damage is named in one line. */
class BackupFileTest {
  @TempDir Path tmp;

  private final byte[] data = new byte[200_000];

  BackupFileTest() {
    new SplittableRandom(42).nextBytes(data);
  }

  private BackupHeader header(byte[] bytes) {
    CRC32C c = new CRC32C();
    c.update(bytes);
    return BackupHeader.newBuilder()
        .setClusterId("prod")
        .setStateMachine("counter")
        .setIndex(1234)
        .setTerm(7)
        .setConf(Membership.newBuilder().addVoters(1).addVoters(2).addVoters(3))
        .setSize(bytes.length)
        .setCrc32C((int) c.getValue())
        .setNodeId(2)
        .setCreatedAtMs(1_700_000_000_000L)
        .setWrittenBy("test")
        .build();
  }

  /** Writes data in chunks of 65,536 bytes, as downloads do, and commits. */
  private Path write(String name) throws IOException {
    Path file = tmp.resolve(name);
    try (BackupFile.Writer w = BackupFile.create(file, header(data))) {
      for (int off = 0; off < data.length; off += 65_536)
        w.write(ByteBuffer.wrap(data, off, Math.min(65_536, data.length - off)));
      w.commit();
    }
    return file;
  }

  @Test
  void whatIsWrittenReadsBack() throws IOException {
    Path file = write("b.rbk");
    BackupFile.Backup b = BackupFile.open(file);
    assertEquals(header(data), b.header());
    try (InputStream in = b.data()) {
      assertArrayEquals(data, in.readAllBytes());
    }
    assertEquals(List.of("b.rbk"), names()); // no temporary file left
  }

  @Test
  void aWriterWithoutCommitLeavesNothing() throws IOException {
    Path file = tmp.resolve("b.rbk");
    try (BackupFile.Writer w = BackupFile.create(file, header(data))) {
      w.write(ByteBuffer.wrap(data, 0, 1000));
    }
    assertFalse(Files.exists(file));
    assertEquals(List.of(), names());
  }

  @Test
  void dataThatDoesNotMatchTheHeaderIsNotCommitted() throws IOException {
    Path file = tmp.resolve("b.rbk");
    byte[] other = data.clone();
    other[10] ^= 1;
    try (BackupFile.Writer w = BackupFile.create(file, header(data))) {
      w.write(ByteBuffer.wrap(other));
      BadBackupException e = assertThrows(BadBackupException.class, w::commit);
      assertTrue(e.getMessage().startsWith("the snapshot data received (200000 bytes, CRC32C "));
    }
    assertEquals(List.of(), names());
  }

  @Test
  void moreDataThanAnnouncedIsRefused() throws IOException {
    try (BackupFile.Writer w = BackupFile.create(tmp.resolve("b.rbk"), header(data))) {
      w.write(ByteBuffer.wrap(data));
      BadBackupException e =
          assertThrows(BadBackupException.class, () -> w.write(ByteBuffer.allocate(1)));
      assertEquals(
          "the server sent more than the 200000 bytes of snapshot data it announced",
          e.getMessage());
    }
  }

  @Test
  void anExistingFileIsNeverOverwritten() throws IOException {
    Path file = write("b.rbk");
    IOException e = assertThrows(IOException.class, () -> BackupFile.create(file, header(data)));
    assertEquals(file + " exists; remove it or name another file", e.getMessage());
  }

  @Test
  void aTruncatedFileIsRefused() throws IOException {
    Path file = write("b.rbk");
    byte[] all = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(all, all.length - 1000));
    assertEquals(
        file + " is truncated: it holds 199000 bytes of snapshot data, its header says 200000",
        refusal(file));
    Files.write(file, Arrays.copyOf(all, 20));
    assertEquals(file + " is truncated: its header is incomplete", refusal(file));
    Files.write(file, Arrays.copyOf(all, 5));
    assertEquals(file + " is truncated: its header is incomplete", refusal(file));
  }

  @Test
  void damagedDataIsRefused() throws IOException {
    Path file = write("b.rbk");
    byte[] all = Files.readAllBytes(file);
    all[all.length - 5] ^= 0x40;
    Files.write(file, all);
    assertTrue(
        refusal(file).startsWith(file + " is corrupt: its snapshot data has CRC32C "),
        refusal(file));
  }

  @Test
  void aDamagedHeaderIsRefused() throws IOException {
    Path file = write("b.rbk");
    byte[] all = Files.readAllBytes(file);
    all[20] ^= 0x01; // inside the header
    Files.write(file, all);
    assertEquals(file + " is corrupt: its header fails its checksum", refusal(file));
  }

  @Test
  void bytesAfterTheDataAreRefused() throws IOException {
    Path file = write("b.rbk");
    Files.write(file, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
    assertEquals(
        file
            + " is corrupt: it holds 3 bytes after the 200000 bytes of snapshot data its header"
            + " describes",
        refusal(file));
  }

  @Test
  void otherFilesAndVersionsAreNamed() throws IOException {
    Path other = tmp.resolve("notes.txt");
    Files.writeString(other, "hello, this is not a backup");
    assertEquals(
        other + " is not a backup file (it does not start with the backup magic)", refusal(other));
    Path empty = Files.createFile(tmp.resolve("empty"));
    assertEquals(
        empty + " is not a backup file (it does not start with the backup magic)", refusal(empty));
    Path file = write("b.rbk");
    byte[] all = Files.readAllBytes(file);
    all[11] = 2; // the version's last byte
    Files.write(file, all);
    assertEquals(
        file + " is a backup in format version 2; this release reads version 1", refusal(file));
    assertEquals(tmp.resolve("missing") + " does not exist", refusal(tmp.resolve("missing")));
  }

  private static String refusal(Path file) {
    return assertThrows(BadBackupException.class, () -> BackupFile.open(file)).getMessage();
  }

  private List<String> names() throws IOException {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
