package io.raftjvm.runtime;

import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import io.raftjvm.statemachine.CommittedEntry;
import io.raftjvm.statemachine.StateMachine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Applies committed entries to the {@link StateMachine} on a thread of its own, so that a slow
 * state machine delays results, never heartbeats. Entries arrive in log order from the node's loop;
 * each applied batch is reported to {@code onApplied} (on this thread; the owner hops back to its
 * loop).
 *
 * <p>Only client commands reach the state machine: the leader's empty marker entries are applied
 * as no-ops here. If the state machine throws, the worker stops for good: it reports the failure
 * once and applies nothing more (skipping an entry would make this replica diverge).
 */
public final class ApplyWorker implements AutoCloseable {
  /** What one batch produced: results for the commands among entries up to lastIndex. */
  public record Applied(long lastIndex, List<Result> results) {}

  /** The state machine's answer for the command at (index, term). */
  public record Result(long index, long term, byte[] value) {}

  private final StateMachine stateMachine;
  private final Consumer<Applied> onApplied;
  private final Consumer<Throwable> onFailure;
  private final LinkedBlockingQueue<List<Entry>> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean closing;
  private volatile Throwable failure;

  public ApplyWorker(StateMachine stateMachine, String name, Consumer<Applied> onApplied, Consumer<Throwable> onFailure) {
    this.stateMachine = stateMachine;
    this.onApplied = onApplied;
    this.onFailure = onFailure;
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** Queues committed entries (in order after everything queued before). */
  public void submit(List<Entry> entries) {
    if (failure == null && !closing) queue.add(entries);
  }

  public Throwable failure() {
    return failure;
  }

  private void run() {
    try {
      while (true) {
        List<Entry> batch = queue.poll(100, TimeUnit.MILLISECONDS);
        if (batch == null) {
          if (closing) return;
          continue;
        }
        List<List<Entry>> more = new ArrayList<>();
        queue.drainTo(more);
        if (!more.isEmpty()) {
          List<Entry> all = new ArrayList<>(batch);
          for (List<Entry> b : more) all.addAll(b);
          batch = all;
        }
        apply(batch);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      failure = t;
      onFailure.accept(t);
    }
  }

  private void apply(List<Entry> batch) {
    List<CommittedEntry> commands = new ArrayList<>(batch.size());
    for (Entry e : batch) {
      if (e.getType() == EntryType.ENTRY_NORMAL && !e.getData().isEmpty()) {
        commands.add(new CommittedEntry(e.getIndex(), e.getTerm(), e.getData().toByteArray()));
      }
    }
    List<Result> results = new ArrayList<>(commands.size());
    if (!commands.isEmpty()) {
      List<byte[]> values = stateMachine.apply(commands);
      if (values == null || values.size() != commands.size()) {
        throw new IllegalStateException("state machine returned " + (values == null ? "null" : values.size())
            + " results for " + commands.size() + " entries");
      }
      for (int i = 0; i < commands.size(); i++) {
        CommittedEntry c = commands.get(i);
        results.add(new Result(c.index(), c.term(), values.get(i)));
      }
    }
    onApplied.accept(new Applied(batch.get(batch.size() - 1).getIndex(), results));
  }

  /** Applies what is queued, then stops the thread (waits for it: not for event loop threads). */
  @Override
  public void close() {
    closing = true;
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
