package io.raftjvm.counter.tools;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Writes {@link HistoryRecord}s as JSON lines on a thread of its own, off the benchmark's hot path.
 *
 * <p>{@link #submit} never blocks: it puts the record in a bounded queue and runs the caller's
 * continuation at once. When the queue is full (the disk cannot keep up) the record and its
 * continuation are parked instead; the writer thread writes the record and then runs the
 * continuation itself. So a slow disk slows the benchmark down (the parked worker stops issuing
 * requests) but never blocks the client's I/O thread and never loses a line.
 */
final class HistoryWriter implements AutoCloseable {
  private record Parked(HistoryRecord record, Runnable next) {}

  private final Writer out;
  private final ArrayBlockingQueue<HistoryRecord> queue;
  private final ConcurrentLinkedQueue<Parked> parked = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private final StringBuilder line = new StringBuilder(160);
  private volatile boolean closing;

  /** Written on the writer thread; read after join. */
  private long written;

  private long parkedCount;
  private IOException failure;

  HistoryWriter(Writer out, int capacity) {
    this.out = out;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.thread = new Thread(this::run, "counter-bench-history");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  static HistoryWriter open(Path file, int capacity) throws IOException {
    return new HistoryWriter(
        new BufferedWriter(
            new OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8), 1 << 16),
        capacity);
  }

  /**
   * Queues the record; runs {@code next} on the calling thread, or later on the writer thread when
   * the queue is full. Never blocks.
   */
  void submit(HistoryRecord record, Runnable next) {
    if (queue.offer(record)) {
      next.run();
    } else {
      parked.add(new Parked(record, next));
    }
  }

  /** Writes everything submitted so far, closes the output and stops the thread. */
  @Override
  public void close() throws IOException {
    closing = true;
    boolean interrupted = false;
    while (true) {
      try {
        thread.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Lines written; valid after {@link #close}. */
  long written() {
    return written;
  }

  /** How many times a worker had to wait for the disk; valid after {@link #close}. */
  long parkedCount() {
    return parkedCount;
  }

  private void run() {
    List<HistoryRecord> batch = new ArrayList<>(4096);
    try {
      while (true) {
        HistoryRecord first;
        try {
          first = queue.poll(5, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          first = null;
          closing = true;
        }
        if (first != null) {
          write(first);
          queue.drainTo(batch, 4096);
          for (HistoryRecord r : batch) {
            write(r);
          }
          batch.clear();
        }
        Parked p;
        while ((p = parked.poll()) != null) {
          parkedCount++;
          write(p.record());
          p.next().run();
        }
        if (first == null) {
          if (closing && queue.isEmpty() && parked.isEmpty()) {
            break;
          }
          flush();
        }
      }
    } finally {
      try {
        out.close();
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        }
      }
    }
  }

  private void write(HistoryRecord r) {
    if (failure != null) {
      return; // the file is broken; keep draining so no worker stays parked
    }
    line.setLength(0);
    r.appendJson(line);
    line.append('\n');
    try {
      out.append(line);
      written++;
    } catch (IOException e) {
      failure = e;
    }
  }

  private void flush() {
    if (failure == null) {
      try {
        out.flush();
      } catch (IOException e) {
        failure = e;
      }
    }
  }
}
