package io.raftjvm.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.protobuf.ByteString;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
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

  @TempDir Path dir;

  /** Counts how many commands it applied; a command's result is that count. */
  static final class Counting implements StateMachine {
    long count;

    @Override
    public List<byte[]> apply(List<CommittedEntry> entries) {
      List<byte[]> out = new ArrayList<>();
      for (CommittedEntry unused : entries) out.add(Long.toString(++count).getBytes(UTF_8));
      return out;
    }

    @Override
    public byte[] query(byte[] query) {
      return Long.toString(count).getBytes(UTF_8);
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
    return Entry.newBuilder()
        .setIndex(index)
        .setTerm(1)
        .setType(EntryType.ENTRY_SESSION)
        .setData(SessionCodec.register(ts))
        .build();
  }

  private static Entry command(long index, long ts, long session, long seq, long firstUnacked) {
    return Entry.newBuilder()
        .setIndex(index)
        .setTerm(1)
        .setType(EntryType.ENTRY_SESSION)
        .setData(
            SessionCodec.command(ts, session, seq, firstUnacked, ByteString.copyFromUtf8("inc")))
        .build();
  }

  private final LinkedBlockingQueue<ApplyWorker.Result> results = new LinkedBlockingQueue<>();

  private ApplyWorker worker(Counting sm) {
    return new ApplyWorker(
        sm,
        "apply-test",
        SerialExecutor.newThread("apply-test"),
        0,
        0,
        TIMEOUT,
        a -> results.addAll(a.results()),
        t -> {});
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
      w.submit(
          List.of(command(5, 1_004, 1, 3, 3), command(6, 1_004, 1, 3, 3))); // twice in one batch
      assertArrayEquals(
          new byte[] {0, 0, 0, 0, 0, 0, 0, 1}, next().value(), "the session id is the index");
      assertArrayEquals("1".getBytes(UTF_8), next().value());
      assertArrayEquals("2".getBytes(UTF_8), next().value());
      assertArrayEquals("1".getBytes(UTF_8), next().value(), "the saved result, not a new apply");
      assertArrayEquals("3".getBytes(UTF_8), next().value());
      assertArrayEquals("3".getBytes(UTF_8), next().value());
    }
    assertEquals(3, sm.count);
  }

  /**
   * Retries within one apply batch, of a command of another session than the one just before them:
   * the batch only indexes its commands once sessions interleave, and must still find the first
   * attempt.
   */
  @Test
  void retriesInOneBatchFindTheirFirstAttemptWhenSessionsInterleave() {
    List<Entry> batch =
        List.of(
            register(1, 1_000),
            register(2, 1_000),
            command(3, 1_001, 1, 1, 1),
            command(4, 1_001, 1, 2, 1),
            command(5, 1_002, 2, 1, 1),
            command(6, 1_003, 1, 1, 1), // a retry of session 1's first, after session 2's
            command(7, 1_003, 2, 2, 1),
            command(8, 1_004, 2, 1, 1), // a retry of session 2's first, after its second
            command(9, 1_004, 1, 3, 1));
    List<String> oneBatch = outcomes(List.of(batch));
    assertEquals(
        List.of("id", "id", "1", "2", "3", "1", "4", "3", "5"),
        oneBatch.stream().map(o -> o.startsWith("\0") ? "id" : o).toList());
    List<List<Entry>> single = new ArrayList<>();
    for (Entry e : batch) single.add(List.of(e));
    assertEquals(outcomes(single), oneBatch);
  }

  @Test
  void sessionsExpireByTheLogsClockAndUnknownSessionsAreRefused() throws Exception {
    Counting sm = new Counting();
    try (ApplyWorker w = worker(sm)) {
      w.submit(
          List.of(
              register(1, 1_000),
              command(2, 1_000 + TIMEOUT + 10_000, 1, 1, 1),
              command(3, 5_000_000, 7, 1, 1)));
      next();
      assertNotNull(next().refused(), "idle longer than the timeout");
      assertNotNull(next().refused(), "never registered");
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
      stored =
          taken
              .get(10, TimeUnit.SECONDS)
              .writer()
              .finish(io.raftjvm.proto.ConfState.getDefaultInstance());
    }
    results.clear();
    Counting restored = new Counting();
    try (ApplyWorker w = worker(restored)) {
      w.restore(stored);
      w.submit(List.of(command(3, 1_002, 1, 1, 1), command(4, 1_003, 1, 2, 1)));
      assertArrayEquals(
          "1".getBytes(UTF_8),
          next().value(),
          "the retry after a restore still returns the saved result");
      assertArrayEquals("2".getBytes(UTF_8), next().value());
    }
    assertEquals(2, restored.count);
  }

  /**
   * Replicas cut the log into apply batches differently, so the session table must come out the
   * same either way. Found by the whole-node simulation (seed 2015 of the membership runs): a retry
   * in the same batch as its first attempt did not refresh the session's last activity, so one
   * replica expired the session and refused a later command that the others applied.
   */
  @Test
  void theTableDoesNotDependOnWhereApplyBatchesEnd() {
    List<Entry> log =
        List.of(
            register(1, 1_000),
            command(2, 1_001, 1, 1, 1),
            command(3, 1_000 + TIMEOUT * 9 / 10, 1, 1, 1), // a retry: refreshes the session
            command(
                4, 1_000 + TIMEOUT * 3 / 2, 1, 2, 1), // idle 0.6 timeout since the retry: applied
            command(5, 1_000 + TIMEOUT * 3 / 2 + 1, 1, 3, 3), // acknowledges 1 and 2
            command(
                6, 1_000 + TIMEOUT * 3 / 2 + 2, 1, 2, 2)); // a late retry of 2: forgotten, refused
    // Then, in a batch of its own, a very late retry of 1: acknowledged and forgotten, refused.
    List<Entry> late = List.of(command(7, 1_000 + TIMEOUT * 3 / 2 + 3, 1, 1, 1));
    List<String> oneBatch = outcomes(List.of(log, late));
    List<List<Entry>> single = new ArrayList<>();
    for (Entry e : log) single.add(List.of(e));
    single.add(late);
    assertEquals(outcomes(single), oneBatch);
    assertEquals(
        List.of("1", "1", "1", "2", "3", "refused", "refused"),
        oneBatch.stream().map(o -> o.equals("\0\0\0\0\0\0\0\1") ? "1" : o).toList());
  }

  /** Applies the batches on the caller's thread; each entry's answer, "refused" for a refusal. */
  private static List<String> outcomes(List<List<Entry>> batches) {
    List<String> out = new ArrayList<>();
    SerialExecutor inline =
        new SerialExecutor() {
          @Override
          public void execute(Runnable task) {
            task.run();
          }

          @Override
          public void shutdown() {}
        };
    ApplyWorker w =
        new ApplyWorker(
            new Counting(),
            "apply-inline",
            inline,
            0,
            0,
            TIMEOUT,
            a ->
                a.results()
                    .forEach(
                        r ->
                            out.add(
                                r.refused() != null ? "refused" : new String(r.value(), UTF_8))),
            t -> {
              throw new AssertionError(t);
            });
    batches.forEach(w::submit);
    return out;
  }
}
