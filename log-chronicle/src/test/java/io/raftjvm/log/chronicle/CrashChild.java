package io.raftjvm.log.chronicle;

import com.google.protobuf.ByteString;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import io.raftjvm.proto.HardState;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.zip.CRC32;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * The writer half of {@link CrashRecoveryTest}: run in a child JVM, it writes to a {@link
 * ChronicleLogStore} in a loop and reports on stdout, before each write, what it is about to write
 * and, after each {@code sync()}, what is durable, until the parent kills it with SIGKILL.
 *
 * <p>Arguments: {@code <dir> <seed> <overwritePercent> <mode> <maxBatches>}, where mode is {@code
 * run} (write until killed), {@code pause} (stop after the first confirmed overwrite) or {@code
 * tear} (after maxBatches, close the store and leave half an excerpt in the queue: see {@link
 * #tear}).
 *
 * <p>Protocol: one line per {@code write(2)} (each line is well below PIPE_BUF, so a kill never
 * leaves half a line), nothing else on stdout (logging is sent to stderr):
 *
 * <pre>
 *   O                                  about to open the store
 *   S first last lastTerm term vote commit   opened; what it found
 *   H term vote commit                 about to call setHardState
 *   W from idx:term:type:len:crc ...   about to append these entries (crc = CRC32 of the data)
 *   P last                             sync() returned: everything announced so far is durable and
 *                                      the log is [first, last]
 *   B                                  (pause mode) the overwrite just confirmed is the last write;
 *                                      the child now waits to be killed
 *   T                                  (tear mode) half an excerpt is written and left open; the
 *                                      child now waits to be killed
 *   E                                  maxBatches written; the child exits
 * </pre>
 *
 * Writes are Raft-shaped: an overwrite starts above the commit index, carries a term higher than
 * any in the log, and commit never passes the durable last index. The child exits on its own when
 * its stdin reaches end of file (the parent died), so it cannot outlive the test.
 */
public final class CrashChild {
  static final String CLUSTER = "crash-test";
  static final long NODE = 1;
  static final long SEGMENT_BYTES = 1 << 20;
  static final int MAX_BATCH = 20;
  static final int MAX_DATA = 2000;

  private final OutputStream out = new FileOutputStream(FileDescriptor.out);
  private final StringBuilder line = new StringBuilder(1024);

  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    // Only protocol lines go to fd 1; anything Chronicle or logback prints goes to stderr.
    System.setOut(
        new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
    exitWhenParentGoes();
    Path dir = Path.of(args[0]);
    long seed = Long.parseLong(args[1]);
    int overwritePercent = Integer.parseInt(args[2]);
    String mode = args[3];
    long maxBatches = Long.parseLong(args[4]);
    new CrashChild().run(dir, seed, overwritePercent, mode, maxBatches);
  }

  /** Halts when stdin reaches end of file: the parent is gone and nobody will kill this JVM. */
  private static void exitWhenParentGoes() {
    Thread t =
        new Thread(
            () -> {
              InputStream in = System.in;
              try {
                while (in.read() >= 0) {
                  // the parent never writes; keep reading until it closes the pipe
                }
              } catch (IOException ignored) {
                // treat as end of file
              }
              Runtime.getRuntime().halt(3);
            },
            "parent-watch");
    t.setDaemon(true);
    t.start();
  }

  private void run(Path dir, long seed, int overwritePercent, String mode, long maxBatches)
      throws Exception {
    boolean pause = mode.equals("pause");
    SplittableRandom rnd = new SplittableRandom(seed);
    emit("O");
    ChronicleLogStore store =
        ChronicleLogStore.open(
            dir, CLUSTER, NODE, new ChronicleLogStore.Options(true, SEGMENT_BYTES));
    HardState hs = store.initialState().hardState();
    long last = store.lastIndex();
    long lastTerm = store.term(last);
    emit(
        "S "
            + store.firstIndex()
            + " "
            + last
            + " "
            + lastTerm
            + " "
            + hs.getTerm()
            + " "
            + hs.getVote()
            + " "
            + hs.getCommit());
    long term = Math.max(Math.max(lastTerm, hs.getTerm()), 1);
    long vote = hs.getVote();
    long commit = hs.getCommit();
    CRC32 crc = new CRC32();
    for (long batch = 0; batch < maxBatches; batch++) {
      if (rnd.nextInt(10) == 0) {
        if (rnd.nextBoolean()) {
          term++;
          vote = 1L + rnd.nextInt(5);
        } else {
          commit += rnd.nextLong(last - commit + 1); // never past the durable last index
        }
        emit("H " + term + " " + vote + " " + commit);
        store.setHardState(
            HardState.newBuilder().setTerm(term).setVote(vote).setCommit(commit).build());
      }
      long from = last + 1;
      boolean overwrite =
          last > commit && last >= store.firstIndex() && rnd.nextInt(100) < overwritePercent;
      if (overwrite) {
        // A conflict in the recent, uncommitted tail: from in (max(commit, last - 60), last].
        from = Math.max(Math.max(commit, store.firstIndex() - 1), last - 60) + 1;
        from += rnd.nextLong(last - from + 1);
        term++; // a new leader's entries: higher than every term in the log
      }
      int n = 1 + rnd.nextInt(MAX_BATCH);
      List<Entry> entries = new ArrayList<>(n);
      line.setLength(0);
      line.append("W ").append(from);
      for (int k = 0; k < n; k++) {
        byte[] data = new byte[rnd.nextInt(MAX_DATA + 1)];
        for (int j = 0; j < data.length; j += 8) {
          long r = rnd.nextLong();
          for (int b = 0; b < 8 && j + b < data.length; b++) data[j + b] = (byte) (r >>> (8 * b));
        }
        EntryType type =
            rnd.nextInt(16) == 0 ? EntryType.ENTRY_CONF_CHANGE : EntryType.ENTRY_NORMAL;
        crc.reset();
        crc.update(data);
        long index = from + k;
        entries.add(
            Entry.newBuilder()
                .setIndex(index)
                .setTerm(term)
                .setType(type)
                .setData(ByteString.copyFrom(data))
                .build());
        line.append(' ')
            .append(index)
            .append(':')
            .append(term)
            .append(':')
            .append(type.getNumber())
            .append(':')
            .append(data.length)
            .append(':')
            .append(crc.getValue());
      }
      emit(line.toString());
      store.append(entries);
      store.sync();
      last = store.lastIndex();
      if (last != from + n - 1)
        throw new IllegalStateException(
            "last index " + last + " after appending up to " + (from + n - 1));
      emit("P " + last);
      if (overwrite && pause) {
        emit("B");
        new CountDownLatch(1).await(); // until SIGKILL (or the parent goes: see exitWhenParentGoes)
      }
    }
    store.close();
    if (mode.equals("tear")) tear(dir, last + 1, term, rnd);
    emit("E");
  }

  /**
   * What a kill in the middle of an append leaves: with the store closed, opens its queue directly,
   * starts an excerpt, writes the first half of an ENTRY record for index and, with the excerpt
   * (and the queue's write lock) still open, reports {@code T} and waits to be killed. The record
   * is never completed, so its header keeps Chronicle's not-complete bit.
   */
  private void tear(Path dir, long index, long term, SplittableRandom rnd) throws Exception {
    byte[] data = new byte[1000 + rnd.nextInt(MAX_DATA - 1000)];
    rnd.nextBytes(data);
    Entry e =
        Entry.newBuilder().setIndex(index).setTerm(term).setData(ByteString.copyFrom(data)).build();
    Bytes<?> record = Bytes.allocateElasticOnHeap();
    new Records().writeEntry(record, e);
    RollCycle roll = RollCycles.FAST_HOURLY; // as ChronicleLogStore
    SetTimeProvider clock = new SetTimeProvider(roll.lengthInMillis() * 1_000_000L);
    SingleChronicleQueue q =
        SingleChronicleQueueBuilder.binary(dir.resolve(ChronicleLogStore.QUEUE_DIR))
            .rollCycle(roll)
            .timeProvider(clock)
            .build();
    clock.currentTimeMillis((long) Math.max(q.lastCycle(), 1) * roll.lengthInMillis());
    ExcerptAppender a = q.createAppender();
    DocumentContext dc = a.writingDocument();
    dc.wire().bytes().write(record, 0, record.readRemaining() / 2);
    emit("T");
    new CountDownLatch(1).await(); // until SIGKILL; the excerpt is never closed
  }

  /** Writes one line with a single write(2) and no buffering. */
  private void emit(String s) throws IOException {
    out.write((s + "\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }
}
