package io.raftjvm.log.chronicle.bench;

import com.google.protobuf.ByteString;
import io.raftjvm.core.Ready;
import io.raftjvm.log.chronicle.ChronicleLogStore;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.HardState;
import io.raftjvm.runtime.LogWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Append throughput of the Raft log: 1,000,000 entries of 100 bytes, measured three ways in one
 * run, each repeated and reported as the median:
 *
 * <ol>
 *   <li>raw: a bare Chronicle appender loop writing index, term and the 100 bytes (the ceiling);
 *   <li>store, sync off: {@link ChronicleLogStore#append} in batches of 64, as Readies arrive;
 *   <li>group commit: Readies of 64 entries through {@link LogWriter} on a durable store, with up
 *       to 64 Readies in flight as a busy node would have; reports entries/s and syncs/s; then with
 *       one Ready in flight, which shows the cost of a single sync.
 * </ol>
 *
 * Usage: {@code bin/log-bench.sh [--entries N] [--runs N] [--dir DIR]}.
 */
public final class LogAppendBenchmark {
  private static final int PAYLOAD = 100;
  private static final int BATCH = 64;

  public static void main(String[] args) throws Exception {
    int entries = 1_000_000;
    int runs = 5;
    Path root = Path.of("target", "log-bench");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--entries" -> entries = Integer.parseInt(value(args, ++i));
        case "--runs" -> runs = Integer.parseInt(value(args, ++i));
        case "--dir" -> root = Path.of(value(args, ++i));
        default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
      }
    }
    Files.createDirectories(root);
    List<Entry> log = buildEntries(entries);
    System.out.printf(
        "appending %,d entries of %d bytes, %d runs each, in %s (load average %s)%n",
        entries, PAYLOAD, runs, root.toAbsolutePath(), loadAverage());
    double[] raw = new double[runs];
    double[] store = new double[runs];
    double[] group = new double[runs];
    double[] syncs = new double[runs];
    double[] serialSyncs = new double[runs];
    for (int r = 0; r < runs; r++) {
      raw[r] = rawChronicle(root.resolve("raw-" + r), log);
      store[r] = storeSyncOff(root.resolve("store-" + r), log);
      double[] g = groupCommit(root.resolve("group-" + r), log, 64);
      group[r] = g[0];
      syncs[r] = g[1];
      // One Ready in flight: every batch waits for its own sync, which shows what one sync costs.
      serialSyncs[r] =
          groupCommit(
              root.resolve("serial-" + r), log.subList(0, Math.min(log.size(), 64 * 500)), 1)[1];
      System.out.printf(
          "run %d: raw %,.0f/s, store sync off %,.0f/s, group commit %,.0f entries/s %,.0f syncs/s,"
              + " one batch in flight %,.0f syncs/s%n",
          r + 1, raw[r], store[r], group[r], syncs[r], serialSyncs[r]);
    }
    double rawMedian = median(raw);
    double storeMedian = median(store);
    System.out.printf(
        "median: raw Chronicle %,.0f appends/s; store (sync off) %,.0f appends/s = %.0f%% of raw;"
            + " group commit (durable, 64 batches of 64 in flight) %,.0f entries/s, %,.0f syncs/s; one batch in flight"
            + " %,.0f syncs/s; load average %s%n",
        rawMedian,
        storeMedian,
        100 * storeMedian / rawMedian,
        median(group),
        median(syncs),
        median(serialSyncs),
        loadAverage());
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) throw new IllegalArgumentException(args[i - 1] + " needs a value");
    return args[i];
  }

  private static List<Entry> buildEntries(int n) {
    List<Entry> out = new ArrayList<>(n);
    byte[] payload = new byte[PAYLOAD];
    for (int i = 1; i <= n; i++) {
      payload[0] = (byte) i;
      out.add(
          Entry.newBuilder().setIndex(i).setTerm(1).setData(ByteString.copyFrom(payload)).build());
    }
    return out;
  }

  /** The ceiling: Chronicle alone, writing the same fields with no bookkeeping. */
  private static double rawChronicle(Path dir, List<Entry> log) {
    byte[] payload = new byte[PAYLOAD];
    try (SingleChronicleQueue q =
            SingleChronicleQueueBuilder.binary(dir).syncMode(SyncMode.NONE).build();
        ExcerptAppender a = q.createAppender()) {
      long start = System.nanoTime();
      for (Entry e : log) {
        try (DocumentContext dc = a.writingDocument()) {
          Bytes<?> b = dc.wire().bytes();
          b.writeLong(e.getIndex()).writeLong(e.getTerm()).write(payload);
        }
      }
      return log.size() / seconds(start);
    } finally {
      delete(dir);
    }
  }

  private static double storeSyncOff(Path dir, List<Entry> log) {
    try (ChronicleLogStore s =
        ChronicleLogStore.open(dir, "bench", 1, new ChronicleLogStore.Options(false, 1L << 30))) {
      s.bootstrap(ConfState.newBuilder().addVoters(1).build());
      long start = System.nanoTime();
      for (int i = 0; i < log.size(); i += BATCH)
        s.append(log.subList(i, Math.min(log.size(), i + BATCH)));
      s.sync();
      return log.size() / seconds(start);
    } finally {
      delete(dir);
    }
  }

  /** Returns {entries/s, syncs/s}. */
  private static double[] groupCommit(Path dir, List<Entry> log, int inFlight)
      throws InterruptedException {
    Semaphore window = new Semaphore(inFlight);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (ChronicleLogStore s =
        ChronicleLogStore.open(dir, "bench", 1, new ChronicleLogStore.Options(true, 1L << 30))) {
      s.bootstrap(ConfState.newBuilder().addVoters(1).build());
      long[] lastDurable = {0};
      LogWriter writer =
          new LogWriter(
              s,
              "bench-writer",
              n -> {
                int done = (int) (n - lastDurable[0]);
                lastDurable[0] = n;
                window.release(done);
              },
              failure::set);
      long start = System.nanoTime();
      long number = 0;
      for (int i = 0; i < log.size(); i += BATCH) {
        window.acquire();
        List<Entry> batch = log.subList(i, Math.min(log.size(), i + BATCH));
        HardState hs = HardState.newBuilder().setTerm(1).setCommit(Math.max(0, i - BATCH)).build();
        writer.submit(
            new Ready(
                ++number, null, hs, batch, null, List.of(), List.of(), List.of(), true, null,
                List.of()));
      }
      window.acquire(inFlight);
      double elapsed = seconds(start);
      writer.close();
      if (failure.get() != null) throw new IllegalStateException("writer failed", failure.get());
      return new double[] {log.size() / elapsed, writer.syncs() / elapsed};
    } finally {
      delete(dir);
    }
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return "n/a";
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e);
    }
  }

  private LogAppendBenchmark() {}
}
