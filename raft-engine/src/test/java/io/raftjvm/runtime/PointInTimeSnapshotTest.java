package io.raftjvm.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.statemachine.CommittedEntry;
import io.raftjvm.statemachine.StateMachine;
import io.raftjvm.statemachine.StateSnapshot;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A state machine that hands back a point-in-time image ({@link StateMachine#takeSnapshot}) keeps
 * applying while the image is written, and the snapshot holds the state as of the moment it was
 * taken, not later.
 */
@DisplayName("Snapshots that do not stop applying")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PointInTimeSnapshotTest {
  /** A sum of the commands' lengths; its image is the sum when taken, written once let through. */
  static final class Summing implements StateMachine {
    final AtomicLong sum = new AtomicLong();
    volatile long last;
    final CountDownLatch writeMayFinish = new CountDownLatch(1);
    final CountDownLatch writing = new CountDownLatch(1);

    @Override
    public List<byte[]> apply(List<CommittedEntry> entries) {
      List<byte[]> out = new ArrayList<>();
      for (CommittedEntry e : entries) {
        sum.addAndGet(e.data().length);
        last = e.index();
        out.add(new byte[0]);
      }
      return out;
    }

    @Override
    public StateSnapshot takeSnapshot() {
      long at = last;
      long value = sum.get(); // the image: two numbers, copied now
      return out -> {
        writing.countDown();
        try {
          writeMayFinish.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
        DataOutputStream d = new DataOutputStream(out);
        d.writeLong(at);
        d.writeLong(value);
        d.flush();
      };
    }

    @Override
    public void snapshot(OutputStream out) {
      throw new AssertionError("the blocking form must not be used when takeSnapshot answers");
    }

    @Override
    public void restore(InputStream in) throws IOException {
      DataInputStream d = new DataInputStream(in);
      last = d.readLong();
      sum.set(d.readLong());
    }

    @Override
    public byte[] query(byte[] query) {
      return new byte[0];
    }

    @Override
    public long lastApplied() {
      return last;
    }
  }

  private static List<Entry> entries(long from, int n) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          Entry.newBuilder()
              .setIndex(from + i)
              .setTerm(1)
              .setData(ByteString.copyFromUtf8("x".repeat(10)))
              .build());
    }
    return out;
  }

  @Test
  void applyingGoesOnWhileTheImageIsWrittenAndTheSnapshotIsOfItsMoment() throws Exception {
    Summing sm = new Summing();
    AtomicLong appliedUpTo = new AtomicLong();
    CompletableFuture<Throwable> failed = new CompletableFuture<>();
    ApplyWorker worker =
        new ApplyWorker(sm, "test-apply", a -> appliedUpTo.set(a.lastIndex()), failed::complete);
    MemorySnapshotStore store = new MemorySnapshotStore();
    try {
      worker.submit(entries(1, 10));
      CompletableFuture<ApplyWorker.SnapshotTaken> taken = new CompletableFuture<>();
      worker.takeSnapshot(store, taken::complete);
      assertTrue(sm.writing.await(30, TimeUnit.SECONDS), "the image is being written");
      // The image's writer is blocked: applying must go on regardless.
      worker.submit(entries(11, 10));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (appliedUpTo.get() < 20 && System.nanoTime() < deadline) Thread.onSpinWait();
      assertEquals(20, appliedUpTo.get(), "entries 11-20 applied while the snapshot was written");
      assertTrue(!taken.isDone(), "the snapshot is still being written");
      sm.writeMayFinish.countDown();
      ApplyWorker.SnapshotTaken t = taken.get(30, TimeUnit.SECONDS);
      assertNull(t.error());
      assertEquals(10, t.index(), "the snapshot is of the moment it was taken");
      SnapshotStore.Stored stored = t.writer().finish(ConfState.newBuilder().addVoters(1).build());

      Summing restored = new Summing();
      ApplyWorker other = new ApplyWorker(restored, "test-restore", a -> {}, failed::complete);
      try {
        other.restore(stored);
        CompletableFuture<byte[]> q = new CompletableFuture<>();
        other.query(new byte[0], q);
        q.get(30, TimeUnit.SECONDS); // the restore ran before the query
        assertEquals(100, restored.sum.get(), "the sum as of index 10, not 20");
        assertEquals(10, restored.last);
      } finally {
        other.close();
      }
      assertTrue(!failed.isDone(), "no failure: " + failed.getNow(null));
    } finally {
      sm.writeMayFinish.countDown();
      worker.close();
    }
  }
}
