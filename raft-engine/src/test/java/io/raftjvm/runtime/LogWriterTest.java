package io.raftjvm.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.core.MemoryStorage;
import io.raftjvm.core.Ready;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.HardState;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Group commit: Readies queued during a sync share the next one; order and failures. */
@DisplayName("LogWriter group commit")
class LogWriterTest {
  private static final long WAIT_SECONDS = 30;

  /** A MemoryStorage whose sync can be held, counting syncs. */
  private static final class GatedStore {
    final MemoryStorage mem = MemoryStorage.bootstrap(1);
    final AtomicInteger syncs = new AtomicInteger();
    volatile CountDownLatch gate = new CountDownLatch(0);
    final CountDownLatch firstSyncStarted = new CountDownLatch(1);
    volatile RuntimeException failOnSync;

    io.raftjvm.core.LogStore store() {
      return new ForwardingStore(mem) {
        @Override
        public void sync() {
          firstSyncStarted.countDown();
          try {
            if (!gate.await(WAIT_SECONDS, TimeUnit.SECONDS))
              throw new IllegalStateException("gate never opened");
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          if (failOnSync != null) throw failOnSync;
          syncs.incrementAndGet();
        }
      };
    }
  }

  private static Ready ready(long number, long index) {
    Entry e = Entry.newBuilder().setIndex(index).setTerm(1).build();
    HardState hs = HardState.newBuilder().setTerm(1).setCommit(index - 1).build();
    return new Ready(
        number, null, hs, List.of(e), null, List.of(), List.of(), List.of(), true, null, List.of());
  }

  @Test
  void readiesQueuedDuringASyncShareTheNextOne() throws Exception {
    GatedStore g = new GatedStore();
    g.gate = new CountDownLatch(1);
    LinkedBlockingQueue<Long> durable = new LinkedBlockingQueue<>();
    LogWriter w = new LogWriter(g.store(), "writer", durable::add, t -> {});
    w.submit(ready(1, 1));
    assertTrue(g.firstSyncStarted.await(WAIT_SECONDS, TimeUnit.SECONDS));
    for (long n = 2; n <= 50; n++) w.submit(ready(n, n));
    g.gate.countDown();
    assertEquals(1L, durable.poll(WAIT_SECONDS, TimeUnit.SECONDS));
    assertEquals(
        50L, durable.poll(WAIT_SECONDS, TimeUnit.SECONDS), "the 49 queued Readies form one batch");
    w.close();
    assertEquals(2, g.syncs.get() - 1, "one sync per batch, plus the one close() makes");
    assertEquals(50, g.mem.lastIndex());
    assertEquals(
        49, g.mem.hardState().getCommit(), "the newest hard state of the batch is written");
    assertEquals(2, w.batches());
    assertEquals(50, w.entries());
  }

  @Test
  void readiesThatNeedNoSyncAreReportedWithoutOne() throws Exception {
    GatedStore g = new GatedStore();
    LinkedBlockingQueue<Long> durable = new LinkedBlockingQueue<>();
    LogWriter w = new LogWriter(g.store(), "writer", durable::add, t -> {});
    w.submit(
        new Ready(
            1, null, null, List.of(), null, List.of(), List.of(), List.of(), false, null,
            List.of()));
    assertEquals(1L, durable.poll(WAIT_SECONDS, TimeUnit.SECONDS));
    assertEquals(0, g.syncs.get());
    w.close();
  }

  @Test
  void aFailedSyncStopsTheWriterAndReportsNothingDurable() throws Exception {
    GatedStore g = new GatedStore();
    g.failOnSync = new IllegalStateException("disk on fire");
    List<Long> durable = new CopyOnWriteArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch failed = new CountDownLatch(1);
    LogWriter w =
        new LogWriter(
            g.store(),
            "writer",
            durable::add,
            t -> {
              failure.set(t);
              failed.countDown();
            });
    w.submit(ready(1, 1));
    assertTrue(failed.await(WAIT_SECONDS, TimeUnit.SECONDS));
    assertEquals("disk on fire", failure.get().getMessage());
    assertEquals(List.of(), durable);
    assertEquals(failure.get(), w.failure());
    w.close();
    assertEquals(List.of(), durable);
  }
}
