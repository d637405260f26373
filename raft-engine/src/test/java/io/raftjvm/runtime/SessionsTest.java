package io.raftjvm.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.google.protobuf.ByteString;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import io.raftjvm.proto.SessionCommand;
import io.raftjvm.proto.SessionEntry;
import io.raftjvm.proto.SessionRegister;
import io.raftjvm.statemachine.CommittedEntry;
import io.raftjvm.statemachine.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Thesis §6.3: the replicated session table applies each (session, sequence) at most once. */
class SessionsTest {
  private static final long TIMEOUT = 60_000;

  @TempDir
  Path dir;

  /** Counts how many commands it applied; a command's result is that count. */
  static final class Counting implements StateMachine {
    long count;

    @Override
    public List<byte[]> apply(List<CommittedEntry> entries) {
      List<byte[]> out = new ArrayList<>();
      for (CommittedEntry e : entries) out.add(Long.toString(++count).getBytes());
      return out;
    }

    @Override
    public byte[] query(byte[] query) {
      return Long.toString(count).getBytes();
    }

    @Override
    public long lastApplied() {
      return 0;
    }

    @Override
    public void snapshot(OutputStream out) throws IOException {
      new DataOutputStream(out).writeLong(count);
    }

    @Override
    public void restore(InputStream in) throws IOException {
      count = new DataInputStream(in).readLong();
    }
  }

  private static Entry register(long index, long ts) {
    return Entry.newBuilder().setIndex(index).setTerm(1).setType(EntryType.ENTRY_SESSION)
        .setData(SessionEntry.newBuilder().setTimestampMs(ts).setRegister(SessionRegister.getDefaultInstance())
            .build().toByteString()).build();
  }

  private static Entry command(long index, long ts, long session, long seq, long firstUnacked) {
    return Entry.newBuilder().setIndex(index).setTerm(1).setType(EntryType.ENTRY_SESSION)
        .setData(SessionEntry.newBuilder().setTimestampMs(ts).setCommand(SessionCommand.newBuilder()
            .setSession(session).setSequence(seq).setFirstUnacked(firstUnacked)
            .setCommand(ByteString.copyFromUtf8("inc"))).build().toByteString()).build();
  }

  private final LinkedBlockingQueue<ApplyWorker.Result> results = new LinkedBlockingQueue<>();

  private ApplyWorker worker(Counting sm) {
    return new ApplyWorker(sm, "apply-test", SerialExecutor.newThread("apply-test"), 0, 0, TIMEOUT, a -> results.addAll(a.results()), t -> { });
  }

  private ApplyWorker.Result next() throws InterruptedException {
    ApplyWorker.Result r = results.poll(10, TimeUnit.SECONDS);
    if (r == null) throw new AssertionError("no result");
    return r;
  }

  @Test
  void aRetriedCommandReturnsItsFirstResultWithoutApplyingAgain() throws Exception {
    Counting sm = new Counting();
    try (ApplyWorker w = worker(sm)) {
      w.submit(List.of(register(1, 1_000), command(2, 1_001, 1, 1, 1), command(3, 1_002, 1, 2, 1)));
      w.submit(List.of(command(4, 1_003, 1, 1, 1))); // a retry of sequence 1, in a later batch
      w.submit(List.of(command(5, 1_004, 1, 3, 3), command(6, 1_004, 1, 3, 3))); // twice in one batch
      assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 1}, next().value(), "the session id is the index");
      assertArrayEquals("1".getBytes(), next().value());
      assertArrayEquals("2".getBytes(), next().value());
      assertArrayEquals("1".getBytes(), next().value(), "the saved result, not a new apply");
      assertArrayEquals("3".getBytes(), next().value());
      assertArrayEquals("3".getBytes(), next().value());
    }
    assertEquals(3, sm.count);
  }

  @Test
  void sessionsExpireByTheLogsClockAndUnknownSessionsAreRefused() throws Exception {
    Counting sm = new Counting();
    try (ApplyWorker w = worker(sm)) {
      w.submit(List.of(register(1, 1_000), command(2, 1_000 + TIMEOUT + 10_000, 1, 1, 1), command(3, 5_000_000, 7, 1, 1)));
      next();
      assertSame(ApplyWorker.SESSION_EXPIRED, next().value(), "idle longer than the timeout");
      assertSame(ApplyWorker.SESSION_EXPIRED, next().value(), "never registered");
    }
    assertEquals(0, sm.count);
  }

  @Test
  void theSessionTableTravelsWithSnapshots() throws Exception {
    FileSnapshotStore store = FileSnapshotStore.open(dir);
    Counting sm = new Counting();
    SnapshotStore.Stored stored;
    try (ApplyWorker w = worker(sm)) {
      w.submit(List.of(register(1, 1_000), command(2, 1_001, 1, 1, 1)));
      CompletableFuture<ApplyWorker.SnapshotTaken> taken = new CompletableFuture<>();
      w.takeSnapshot(store, taken::complete);
      stored = taken.get(10, TimeUnit.SECONDS).writer().finish(io.raftjvm.proto.ConfState.getDefaultInstance());
    }
    results.clear();
    Counting restored = new Counting();
    try (ApplyWorker w = worker(restored)) {
      w.restore(stored);
      w.submit(List.of(command(3, 1_002, 1, 1, 1), command(4, 1_003, 1, 2, 1)));
      assertArrayEquals("1".getBytes(), next().value(), "the retry after a restore still returns the saved result");
      assertArrayEquals("2".getBytes(), next().value());
    }
    assertEquals(2, restored.count);
  }
}
