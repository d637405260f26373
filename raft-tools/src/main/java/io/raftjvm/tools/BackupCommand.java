package io.raftjvm.tools;

import io.raftjvm.client.BackupFile;
import io.raftjvm.client.ClientException;
import io.raftjvm.client.ClientException.Kind;
import io.raftjvm.client.Durations;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.client.Version;
import io.raftjvm.client.proto.BackupChunk;
import io.raftjvm.client.proto.BackupHeader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code raft-admin.sh backup FILE}: asks the first server that answers to snapshot everything
 * committed (after a read barrier) and pulls the snapshot in chunks into a {@link BackupFile}, one
 * chunk in memory at a time. A server that knows no leader or cannot be reached is passed over for
 * the next one; a snapshot replaced on the server before the download ended starts it again (up to
 * {@link #ATTEMPTS} times).
 */
final class BackupCommand {
  /** The most bytes asked for in one chunk (the server sends at most its snapshot chunk-size). */
  static final int CHUNK_BYTES = 1 << 20;

  /** Downloads from one server, when its snapshot is replaced under a download. */
  static final int ATTEMPTS = 3;

  private BackupCommand() {}

  static int run(
      List<String> servers,
      Duration timeout,
      RaftClientOptions.Tls tls,
      Path file,
      PrintStream out,
      PrintStream err)
      throws InterruptedException {
    if (Files.exists(file)) {
      err.println("raft-admin: backup: " + file + " exists; remove it or name another file");
      return RaftAdmin.FAILED;
    }
    Path dir = file.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      err.println("raft-admin: backup: directory " + dir + " does not exist");
      return RaftAdmin.FAILED;
    }
    List<String> passed = new ArrayList<>();
    for (String server : servers) {
      try (RaftClient client =
          RaftClient.create(
              RaftClientOptions.builder(List.of(server))
                  .requestTimeout(timeout)
                  .maxRetries(SnapshotCommand.SERVER_DOWN_ATTEMPTS)
                  .tls(tls)
                  .build())) {
        for (int attempt = 1; ; attempt++) {
          try {
            BackupHeader h = download(client, file, timeout);
            out.println(
                "backup of cluster '"
                    + h.getClusterId()
                    + "' at index "
                    + h.getIndex()
                    + " term "
                    + h.getTerm()
                    + " (state machine "
                    + h.getStateMachine()
                    + ", "
                    + h.getSize()
                    + " bytes, from node "
                    + h.getNodeId()
                    + ") saved to "
                    + file);
            return RaftAdmin.OK;
          } catch (ClientException e) {
            if (e.kind() == Kind.REFUSED && attempt < ATTEMPTS) {
              out.println("backup: " + e.getMessage() + "; starting again");
              continue;
            }
            if (e.kind() == Kind.FORBIDDEN
                || e.kind() == Kind.BAD_REQUEST
                || e.kind() == Kind.WRONG_CLUSTER
                || e.kind() == Kind.INCOMPATIBLE_VERSION) {
              err.println("raft-admin: backup failed: " + e.getMessage());
              return RaftAdmin.FAILED;
            }
            passed.add(e.getMessage());
            break; // the next server
          } catch (IOException e) {
            err.println("raft-admin: backup failed: " + e.getMessage());
            return RaftAdmin.FAILED;
          }
        }
      }
    }
    err.println("raft-admin: backup failed: no server took it (" + String.join("; ", passed) + ")");
    return RaftAdmin.FAILED;
  }

  /** One download from client's server into file; the header it wrote. */
  private static BackupHeader download(RaftClient client, Path file, Duration timeout)
      throws IOException, InterruptedException {
    BackupChunk first = await(client.backupChunk(0, 0, 0, CHUNK_BYTES), timeout);
    BackupHeader header =
        BackupHeader.newBuilder()
            .setClusterId(first.getClusterId())
            .setStateMachine(first.getStateMachine())
            .setIndex(first.getIndex())
            .setTerm(first.getTerm())
            .setConf(first.getConf())
            .setSize(first.getSize())
            .setCrc32C(first.getCrc32C())
            .setNodeId(first.getNodeId())
            .setCreatedAtMs(System.currentTimeMillis())
            .setWrittenBy("raft-admin " + Version.get())
            .build();
    try (BackupFile.Writer w = BackupFile.create(file, header)) {
      BackupChunk chunk = first;
      while (true) {
        if (chunk.getIndex() != header.getIndex()
            || chunk.getTerm() != header.getTerm()
            || chunk.getSize() != header.getSize()
            || chunk.getOffset() != w.written()) {
          throw new IOException(
              "node "
                  + header.getNodeId()
                  + " answered with snapshot "
                  + chunk.getIndex()
                  + "-"
                  + chunk.getTerm()
                  + " at offset "
                  + chunk.getOffset()
                  + " when "
                  + header.getIndex()
                  + "-"
                  + header.getTerm()
                  + " at "
                  + w.written()
                  + " was asked for");
        }
        w.write(chunk.getData().asReadOnlyByteBuffer());
        if (w.written() >= header.getSize()) break;
        if (chunk.getData().isEmpty())
          throw new IOException("node " + header.getNodeId() + " sent an empty chunk");
        chunk =
            await(
                client.backupChunk(header.getIndex(), header.getTerm(), w.written(), CHUNK_BYTES),
                timeout);
      }
      w.commit();
    }
    return header;
  }

  /** The future's value; its ClientException unwrapped. */
  private static <T> T await(CompletableFuture<T> f, Duration timeout) throws InterruptedException {
    try {
      // The client fails the request at its own deadline; the margin only guards a stalled loop.
      return f.get(timeout.toMillis() + 2_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ClientException ce) throw ce;
      throw new ClientException(Kind.UNAVAILABLE, String.valueOf(e.getCause()), e.getCause());
    } catch (TimeoutException e) {
      f.cancel(false);
      throw new ClientException(Kind.UNAVAILABLE, "no answer within " + Durations.format(timeout));
    }
  }
}
