package io.raftjvm.runtime;

import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import io.raftjvm.statemachine.CommittedEntry;
import io.raftjvm.statemachine.StateMachine;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Applies committed entries to the {@link StateMachine} on a thread of its own, so that a slow
 * state machine delays results, never heartbeats. Entries arrive in log order from the node's loop;
 * each applied batch is reported to {@code onApplied} (on this thread; the owner hops back to its
 * loop).
 *
 * <p>Only client commands reach the state machine: the leader's empty marker entries are applied
 * as no-ops here, and configuration entries only answer whoever proposed them. If the state machine throws, the worker stops for good: it reports the failure
 * once and applies nothing more (skipping an entry would make this replica diverge).
 */
public final class ApplyWorker extends BatchWorker<List<Entry>> {
  /** What one batch produced: results for the commands among entries up to lastIndex. */
  public record Applied(long lastIndex, List<Result> results) {}

  /** The state machine's answer for the command at (index, term). */
  public record Result(long index, long term, byte[] value) {}

  private final StateMachine stateMachine;
  private final Consumer<Applied> onApplied;

  public ApplyWorker(StateMachine stateMachine, String name, Consumer<Applied> onApplied, Consumer<Throwable> onFailure) {
    super(name, Integer.MAX_VALUE, onFailure);
    this.stateMachine = stateMachine;
    this.onApplied = onApplied;
    start();
  }

  /** Queues committed entries (in order after everything queued before). */
  public void submit(List<Entry> entries) {
    enqueue(entries);
  }

  @Override
  protected void process(List<List<Entry>> batches) {
    if (batches.size() == 1) {
      apply(batches.get(0));
      return;
    }
    List<Entry> all = new ArrayList<>();
    for (List<Entry> b : batches) all.addAll(b);
    apply(all);
  }

  private void apply(List<Entry> batch) {
    List<CommittedEntry> commands = new ArrayList<>(batch.size());
    for (Entry e : batch) {
      if (isCommand(e)) commands.add(new CommittedEntry(e.getIndex(), e.getTerm(), e.getData().toByteArray()));
    }
    List<byte[]> values = List.of();
    if (!commands.isEmpty()) {
      values = stateMachine.apply(commands);
      if (values == null || values.size() != commands.size()) {
        throw new IllegalStateException("state machine returned " + (values == null ? "null" : values.size())
            + " results for " + commands.size() + " entries");
      }
    }
    // In index order: the registry fails proposals below an answered index that got no answer.
    List<Result> results = new ArrayList<>(commands.size());
    int next = 0;
    for (Entry e : batch) {
      if (isCommand(e)) {
        results.add(new Result(e.getIndex(), e.getTerm(), values.get(next++)));
      } else if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
        // The core switched configuration when it appended the entry; applying it answers the operator.
        results.add(new Result(e.getIndex(), e.getTerm(), NO_VALUE));
      }
    }
    onApplied.accept(new Applied(batch.get(batch.size() - 1).getIndex(), results));
  }

  private static final byte[] NO_VALUE = new byte[0];

  private static boolean isCommand(Entry e) {
    return e.getType() == EntryType.ENTRY_NORMAL && !e.getData().isEmpty();
  }
}
