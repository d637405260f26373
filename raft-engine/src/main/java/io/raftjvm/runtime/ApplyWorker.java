package io.raftjvm.runtime;

import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import io.raftjvm.proto.SessionCommand;
import io.raftjvm.proto.SessionEntry;
import io.raftjvm.statemachine.CommittedEntry;
import io.raftjvm.statemachine.StateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Applies committed entries to the {@link StateMachine} on a thread of its own, so that a slow
 * state machine delays results, never heartbeats. Entries arrive in log order from the node's loop;
 * each applied batch is reported to {@code onApplied} (on this thread; the owner hops back to its
 * loop).
 *
 * <p>Only client commands reach the state machine: the leader's empty marker entries are applied
 * as no-ops here, and configuration entries only answer whoever proposed them. If the state
 * machine throws, the worker stops for good: it reports the failure once and applies nothing more
 * (skipping an entry would make this replica diverge).
 *
 * <p>Snapshots are taken and restored here too, in line with the entries: a snapshot covers
 * exactly the entries queued before it was asked for, and entries queued after a restore apply on
 * top of the restored state.
 */
public final class ApplyWorker extends BatchWorker<ApplyWorker.Task> {
  /** What one batch produced: results for the commands among entries up to lastIndex. */
  public record Applied(long lastIndex, List<Result> results) {}

  /** The state machine's answer for the command at (index, term). */
  public record Result(long index, long term, byte[] value) {}

  /** Queued work, in log order. */
  sealed interface Task permits Apply, TakeSnapshot, Restore, Query {}

  private record Apply(List<Entry> entries) implements Task {}

  private record TakeSnapshot(SnapshotStore store, Consumer<SnapshotTaken> done) implements Task {}

  private record Restore(SnapshotStore.Stored snapshot) implements Task {}

  private record Query(byte[] query, CompletableFuture<byte[]> result) implements Task {}

  /**
   * A snapshot written as of the last entry applied before it was asked for; not yet visible: the
   * owner finishes it with the configuration at its index. writer is null when there was nothing
   * new to snapshot; error is set when writing failed (the snapshot is then dropped).
   */
  public record SnapshotTaken(SnapshotStore.Writer writer, long index, long term, Exception error) {}

  private final StateMachine stateMachine;
  private final Consumer<Applied> onApplied;
  /** The replicated session table. Apply thread only. */
  private final Sessions sessions;
  /** Index and term of the last entry applied or restored. Apply thread only. */
  private long lastIndex;
  private long lastTerm;

  public ApplyWorker(StateMachine stateMachine, String name, Consumer<Applied> onApplied, Consumer<Throwable> onFailure) {
    this(stateMachine, name, SerialExecutor.newThread(name), 0, 0, DEFAULT_SESSION_TIMEOUT_MS, onApplied, onFailure);
  }

  /** Sessions idle this long expire, unless the owner says otherwise. */
  public static final long DEFAULT_SESSION_TIMEOUT_MS = 15 * 60_000;

  /** A worker whose state machine holds everything up to (index, term), e.g. restored from a snapshot. */
  public ApplyWorker(StateMachine stateMachine, String name, SerialExecutor executor, long index, long term,
      long sessionTimeoutMs, Consumer<Applied> onApplied, Consumer<Throwable> onFailure) {
    super(name, Integer.MAX_VALUE, executor, onFailure);
    this.stateMachine = stateMachine;
    this.sessions = new Sessions(sessionTimeoutMs);
    this.onApplied = onApplied;
    this.lastIndex = index;
    this.lastTerm = term;
  }

  /** Queues committed entries (in order after everything queued before). */
  public void submit(List<Entry> entries) {
    enqueue(new Apply(entries));
  }

  /**
   * Queues a snapshot of the state after everything queued before; done gets it (on this thread).
   * Applying waits while the state machine writes it.
   */
  public void takeSnapshot(SnapshotStore store, Consumer<SnapshotTaken> done) {
    enqueue(new TakeSnapshot(store, done));
  }

  /**
   * Queues a read-only query, answered after everything queued before it is applied: queued once
   * the entries up to a read's index were, it is linearizable (thesis §6.4).
   */
  public void query(byte[] query, CompletableFuture<byte[]> result) {
    enqueue(new Query(query, result));
  }

  /** Queues replacing the state machine's state with a (complete, checked) snapshot from the leader. */
  public void restore(SnapshotStore.Stored snapshot) {
    enqueue(new Restore(snapshot));
  }

  @Override
  protected void process(List<Task> batch) {
    List<Entry> run = new ArrayList<>();
    for (Task t : batch) {
      if (t instanceof Apply a) {
        run.addAll(a.entries());
        continue;
      }
      if (!run.isEmpty()) {
        apply(run);
        run = new ArrayList<>();
      }
      if (t instanceof TakeSnapshot s) snapshot(s);
      else if (t instanceof Restore r) restoreNow(r.snapshot());
      else if (t instanceof Query q) answer(q);
    }
    if (!run.isEmpty()) apply(run);
  }

  private void snapshot(TakeSnapshot task) {
    if (lastIndex == 0 || lastTerm == 0) {
      task.done().accept(new SnapshotTaken(null, lastIndex, lastTerm, null));
      return;
    }
    SnapshotStore.Writer w = null;
    try {
      w = task.store().begin(lastIndex, lastTerm);
      java.io.DataOutputStream out = new java.io.DataOutputStream(w.out());
      sessions.write(out); // the session table first, then the state machine's own image
      out.flush();
      stateMachine.snapshot(w.out());
      w.out().flush();
      task.done().accept(new SnapshotTaken(w, lastIndex, lastTerm, null));
    } catch (IOException | RuntimeException e) {
      if (w != null) w.abort();
      task.done().accept(new SnapshotTaken(null, lastIndex, lastTerm, e));
    }
  }

  private void answer(Query q) {
    try {
      q.result().complete(stateMachine.query(q.query()));
    } catch (RuntimeException e) {
      // A bad query fails alone (a client error); the state machine goes on.
      q.result().completeExceptionally(new IllegalArgumentException("query failed: " + e.getMessage(), e));
    }
  }

  private void restoreNow(SnapshotStore.Stored s) {
    try (InputStream in = s.openVerified()) {
      sessions.read(new java.io.DataInputStream(in));
      stateMachine.restore(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restore the state machine from snapshot " + s.metadata().getIndex(), e);
    }
    lastIndex = s.metadata().getIndex();
    lastTerm = s.metadata().getTerm();
  }

  private void apply(List<Entry> batch) {
    // Decide each entry first: which commands reach the state machine, in order.
    List<CommittedEntry> commands = new ArrayList<>(batch.size());
    Object[] plan = new Object[batch.size()];
    java.util.Map<SessionSeq, Integer> inBatch = new java.util.HashMap<>(); // command position by (session, seq)
    for (int i = 0; i < batch.size(); i++) {
      Entry e = batch.get(i);
      if (isCommand(e)) {
        plan[i] = commands.size();
        commands.add(new CommittedEntry(e.getIndex(), e.getTerm(), e.getData().toByteArray()));
      } else if (e.getType() == EntryType.ENTRY_SESSION) {
        plan[i] = planSession(e, commands, inBatch);
      }
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
    for (int i = 0; i < batch.size(); i++) {
      Entry e = batch.get(i);
      Object p = plan[i];
      byte[] value;
      if (p instanceof Integer pos) {
        value = values.get(pos);
      } else if (p instanceof SessionApply sa) {
        value = values.get(sa.position());
        sessions.recordResult(sa.command().getSession(), sa.command().getSequence(), value);
      } else if (p instanceof byte[] b) {
        value = b;
      } else if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
        // The core switched configuration when it appended the entry; applying it answers the operator.
        value = NO_VALUE;
      } else {
        continue; // a leader's empty entry
      }
      results.add(new Result(e.getIndex(), e.getTerm(), value));
    }
    Entry last = batch.get(batch.size() - 1);
    lastIndex = last.getIndex();
    lastTerm = last.getTerm();
    onApplied.accept(new Applied(lastIndex, results));
  }

  /**
   * A session entry: a registration answers its index; a command is applied (its position among
   * commands), answered with its saved result, or refused (SESSION_EXPIRED). A retry within the
   * batch shares the first attempt's position.
   */
  private Object planSession(Entry e, List<CommittedEntry> commands, java.util.Map<SessionSeq, Integer> inBatch) {
    SessionEntry se = decode(e);
    if (se.hasRegister()) {
      sessions.register(e.getIndex(), se.getTimestampMs());
      return java.nio.ByteBuffer.allocate(8).putLong(e.getIndex()).array();
    }
    SessionCommand c = se.getCommand();
    SessionSeq key = new SessionSeq(c.getSession(), c.getSequence());
    Integer earlier = inBatch.get(key);
    if (earlier != null) return new SessionApply(earlier, c);
    Sessions.Verdict v = sessions.check(c.getSession(), c.getSequence(), c.getFirstUnacked(), se.getTimestampMs());
    if (v instanceof Sessions.Saved saved) return saved.result();
    if (v instanceof Sessions.Expired) return SESSION_EXPIRED;
    inBatch.put(key, commands.size());
    int pos = commands.size();
    commands.add(new CommittedEntry(e.getIndex(), e.getTerm(), c.getCommand().toByteArray()));
    return new SessionApply(pos, c);
  }

  private static SessionEntry decode(Entry e) {
    try {
      return SessionEntry.parseFrom(e.getData());
    } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
      throw new IllegalStateException("entry " + e.getIndex() + " holds a corrupt session entry", ex);
    }
  }

  private record SessionSeq(long session, long sequence) {}

  /** A session command the state machine applies at position (shared by a retry in the same batch). */
  private record SessionApply(int position, SessionCommand command) {}

  /** The answer to a command whose session is unknown or expired (compared by identity). */
  static final byte[] SESSION_EXPIRED = new byte[0];

  private static final byte[] NO_VALUE = new byte[0];

  private static boolean isCommand(Entry e) {
    return e.getType() == EntryType.ENTRY_NORMAL && !e.getData().isEmpty();
  }
}
