package io.raftjvm.runtime;

import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
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
 * <p>Only client commands reach the state machine: the leader's empty marker entries are applied as
 * no-ops here, and configuration entries only answer whoever proposed them. If the state machine
 * throws, the worker stops for good: it reports the failure once and applies nothing more (skipping
 * an entry would make this replica diverge).
 *
 * <p>Snapshots are taken and restored here too, in line with the entries: a snapshot covers exactly
 * the entries queued before it was asked for, and entries queued after a restore apply on top of
 * the restored state.
 */
public final class ApplyWorker extends BatchWorker<ApplyWorker.Task> {
  /** What one batch produced: results for the commands among entries up to lastIndex. */
  public record AppliedBatch(long lastIndex, List<Result> results) {}

  /**
   * The answer for the entry at (index, term): the state machine's value (or a saved one, or a new
   * session's id), or, when refused is set, why a session command was refused (its session is
   * unknown or expired; it was not applied).
   */
  public record Result(long index, long term, byte[] value, String refused) {
    static Result value(Entry e, byte[] value) {
      return new Result(e.getIndex(), e.getTerm(), value, null);
    }
  }

  /** Queued work, in log order. */
  sealed interface Task permits Apply, TakeSnapshot, Restore, Query, Queries, Event {}

  private record Apply(List<Entry> entries) implements Task {}

  private record TakeSnapshot(SnapshotStore store, Consumer<SnapshotTaken> done) implements Task {}

  private record Restore(SnapshotStore.Stored snapshot) implements Task {}

  private record Query(byte[] query, CompletableFuture<byte[]> result) implements Task {}

  /** Reads that share a read index, queued as one task (one hand-off for the group). */
  private record Queries(List<Reads.Pending> reads) implements Task {}

  /** A call of one of the state machine's event methods, in order with apply. */
  private record Event(Consumer<StateMachine> call) implements Task {}

  /**
   * A snapshot written as of the last entry applied before it was asked for; not yet visible: the
   * owner finishes it with the configuration at its index. writer is null when there was nothing
   * new to snapshot; error is set when writing failed (the snapshot is then dropped).
   */
  public record SnapshotTaken(
      SnapshotStore.Writer writer, long index, long term, Exception error) {}

  private final StateMachine stateMachine;
  private final Consumer<AppliedBatch> onApplied;

  /** The replicated session table. Apply thread only. */
  private final Sessions sessions;

  /** Deliberate bugs planted by the simulation (none in a server). */
  private java.util.Set<io.raftjvm.core.PlantedFault> planted = java.util.Set.of();

  // Session figures for monitoring, written by the apply thread only.
  private volatile int openSessions;
  private volatile long expiredSessions;
  private volatile long duplicatesAnswered;

  /** Open sessions as of the last batch applied. */
  public int openSessions() {
    return openSessions;
  }

  /** Sessions expired here since start. */
  public long expiredSessions() {
    return expiredSessions;
  }

  /** Retried commands answered from the session table instead of being applied again. */
  public long duplicatesAnswered() {
    return duplicatesAnswered;
  }

  /** Index and term of the last entry applied or restored. Apply thread only. */
  private long lastIndex;

  private long lastTerm;

  public ApplyWorker(
      StateMachine stateMachine,
      String name,
      Consumer<AppliedBatch> onApplied,
      Consumer<Throwable> onFailure) {
    this(
        stateMachine,
        name,
        SerialExecutor.newThread(name),
        0,
        0,
        DEFAULT_SESSION_TIMEOUT_MS,
        onApplied,
        onFailure);
  }

  /** Sessions idle this long expire, unless the owner says otherwise. */
  public static final long DEFAULT_SESSION_TIMEOUT_MS = 15 * 60_000;

  /**
   * A worker whose state machine holds everything up to (index, term), e.g. restored from a
   * snapshot.
   */
  public ApplyWorker(
      StateMachine stateMachine,
      String name,
      SerialExecutor executor,
      long index,
      long term,
      long sessionTimeoutMs,
      Consumer<AppliedBatch> onApplied,
      Consumer<Throwable> onFailure) {
    super(name, Integer.MAX_VALUE, executor, onFailure);
    this.stateMachine = stateMachine;
    this.sessions = new Sessions(sessionTimeoutMs);
    this.onApplied = onApplied;
    this.lastIndex = index;
    this.lastTerm = term;
  }

  /**
   * Plants deliberate bugs (the simulation proves it catches them); call before submitting
   * anything.
   */
  void plant(java.util.Set<io.raftjvm.core.PlantedFault> faults) {
    this.planted = faults;
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
   * the entries up to a read's index were, it is linearizable (thesis §6.4). A null query is a
   * barrier: answered, without the state machine, with the index of the last entry applied (8
   * bytes, big-endian).
   */
  public void query(byte[] query, CompletableFuture<byte[]> result) {
    enqueue(new Query(query, result));
  }

  /** Queues reads as {@link #query} does, in order, with one hand-off to this thread for all. */
  void queries(List<Reads.Pending> reads) {
    enqueue(new Queries(reads));
  }

  /**
   * Queues an event for the state machine (opened, leader or configuration changed), delivered
   * after everything queued before it and before everything queued after.
   */
  public void event(Consumer<StateMachine> call) {
    enqueue(new Event(call));
  }

  /** Queues {@link StateMachine#opened} with the index applying resumes from. */
  public void opened() {
    enqueue(new Event(null));
  }

  /**
   * Queues replacing the state machine's state with a (complete, checked) snapshot from the leader.
   */
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
      else if (t instanceof Query q) answer(q.query(), q.result());
      else if (t instanceof Queries qs) {
        for (Reads.Pending p : qs.reads()) answer(p.query(), p.result());
      } else if (t instanceof Event e) {
        if (e.call() == null) stateMachine.opened(lastIndex);
        else e.call().accept(stateMachine);
      }
    }
    if (!run.isEmpty()) apply(run);
  }

  /**
   * Where point-in-time snapshots ({@link StateMachine#takeSnapshot}) are written, while applying
   * goes on; created when first needed.
   */
  private java.util.function.Supplier<SerialExecutor> snapshotWriters;

  private volatile SerialExecutor snapshotWriter;

  /** Stops applying, then lets a snapshot being written finish. */
  @Override
  public void close() {
    super.close();
    SerialExecutor w = snapshotWriter;
    if (w != null) w.shutdown();
  }

  /** Sets where point-in-time snapshots are written (a thread of their own by default). */
  void writeSnapshotsOn(java.util.function.Supplier<SerialExecutor> writers) {
    this.snapshotWriters = writers;
  }

  private void snapshot(TakeSnapshot task) {
    if (lastIndex == 0 || lastTerm == 0) {
      task.done().accept(new SnapshotTaken(null, lastIndex, lastTerm, null));
      return;
    }
    io.raftjvm.statemachine.StateSnapshot image;
    try {
      image = stateMachine.takeSnapshot();
    } catch (RuntimeException e) {
      task.done().accept(new SnapshotTaken(null, lastIndex, lastTerm, e));
      return;
    }
    if (image != null) {
      writeInBackground(task, image);
      return;
    }
    SnapshotStore.Writer w = null;
    try {
      w = task.store().begin(lastIndex, lastTerm);
      java.io.DataOutputStream out = new java.io.DataOutputStream(w.out());
      // The session table first, then the state machine's own image.
      sessions.write(
          out, !planted.contains(io.raftjvm.core.PlantedFault.SESSION_RESULTS_NOT_IN_SNAPSHOT));
      out.flush();
      stateMachine.snapshot(w.out());
      w.out().flush();
      task.done().accept(new SnapshotTaken(w, lastIndex, lastTerm, null));
    } catch (IOException | RuntimeException e) {
      if (w != null) w.abort();
      task.done().accept(new SnapshotTaken(null, lastIndex, lastTerm, e));
    }
  }

  /**
   * A point-in-time image: the session table is copied now (it changes with the next apply), the
   * image and the copy are written on the snapshot thread; applying goes on meanwhile.
   */
  private void writeInBackground(TakeSnapshot task, io.raftjvm.statemachine.StateSnapshot image) {
    long index = lastIndex;
    long term = lastTerm;
    java.io.ByteArrayOutputStream table = new java.io.ByteArrayOutputStream();
    try {
      java.io.DataOutputStream out = new java.io.DataOutputStream(table);
      sessions.write(
          out, !planted.contains(io.raftjvm.core.PlantedFault.SESSION_RESULTS_NOT_IN_SNAPSHOT));
      out.flush();
    } catch (IOException e) {
      image.close();
      task.done().accept(new SnapshotTaken(null, index, term, e));
      return;
    }
    if (snapshotWriter == null) {
      snapshotWriter =
          snapshotWriters != null
              ? snapshotWriters.get()
              : SerialExecutor.newThread(name() + "-snapshot-out");
    }
    snapshotWriter.execute(
        () -> {
          SnapshotStore.Writer w = null;
          try (image) {
            w = task.store().begin(index, term);
            table.writeTo(w.out());
            image.writeTo(w.out());
            w.out().flush();
            task.done().accept(new SnapshotTaken(w, index, term, null));
          } catch (IOException | RuntimeException e) {
            if (w != null) w.abort();
            task.done().accept(new SnapshotTaken(null, index, term, e));
          }
        });
  }

  private void answer(byte[] query, CompletableFuture<byte[]> result) {
    if (query == null) {
      // A read barrier: everything before it is applied; it answers how far that is.
      result.complete(java.nio.ByteBuffer.allocate(8).putLong(lastIndex).array());
      return;
    }
    try {
      result.complete(stateMachine.query(query));
    } catch (RuntimeException e) {
      // A bad query fails alone (a client error); the state machine goes on.
      result.completeExceptionally(
          new IllegalArgumentException("query failed: " + e.getMessage(), e));
    }
  }

  private void restoreNow(SnapshotStore.Stored s) {
    try (InputStream in = s.openVerified()) {
      sessions.read(new java.io.DataInputStream(in));
      stateMachine.restore(in);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot restore the state machine from snapshot " + s.metadata().getIndex(), e);
    }
    lastIndex = s.metadata().getIndex();
    lastTerm = s.metadata().getTerm();
  }

  /**
   * What one entry of a batch comes to, decided in log order before the state machine runs: the
   * state machine applies a command (at position among the batch's commands), a session command is
   * answered with its saved result or refused, a registration opens a session, a configuration
   * change is acknowledged, a leader's empty entry does nothing.
   */
  private sealed interface Planned
      permits ApplyCommand, SavedResult, Expired, Registered, ConfChanged, Empty {}

  /**
   * The state machine applies it; session and sequence are set for a session command (its result is
   * saved).
   */
  private record ApplyCommand(int position, long session, long sequence) implements Planned {}

  private record SavedResult(byte[] result) implements Planned {}

  private record Expired(String why) implements Planned {}

  private record Registered(long session) implements Planned {}

  private record ConfChanged() implements Planned {}

  private record Empty() implements Planned {}

  private static final Planned CONF_CHANGED = new ConfChanged();
  private static final Planned EMPTY = new Empty();

  @SuppressWarnings("NonAtomicVolatileUpdate") // only this thread writes the counters
  private void apply(List<Entry> batch) {
    List<CommittedEntry> commands = new ArrayList<>(batch.size());
    Planned[] plan = plan(batch, commands);
    List<byte[]> values = List.of();
    if (!commands.isEmpty()) {
      try {
        values = stateMachine.apply(commands);
      } catch (RuntimeException | Error e) {
        throw new StateMachineFailedException(
            commands.get(0).index(), commands.get(commands.size() - 1).index(), e);
      }
      if (values == null || values.size() != commands.size()) {
        throw new IllegalStateException(
            "state machine returned "
                + (values == null ? "null" : values.size())
                + " results for "
                + commands.size()
                + " entries");
      }
    }
    // In index order: the registry fails proposals below an answered index that got no answer.
    List<Result> results = new ArrayList<>(commands.size());
    for (int i = 0; i < batch.size(); i++) {
      Entry e = batch.get(i);
      Planned p = plan[i];
      Result r;
      if (p instanceof ApplyCommand a) {
        byte[] value = values.get(a.position());
        if (a.session() != 0) sessions.recordResult(a.session(), a.sequence(), value);
        r = Result.value(e, value);
      } else if (p instanceof SavedResult saved) {
        duplicatesAnswered++;
        r = Result.value(e, saved.result());
      } else if (p instanceof Expired x) {
        r = new Result(e.getIndex(), e.getTerm(), null, x.why());
      } else if (p instanceof Registered reg) {
        r = Result.value(e, java.nio.ByteBuffer.allocate(8).putLong(reg.session()).array());
      } else if (p instanceof ConfChanged) {
        r =
            Result.value(
                e, NO_VALUE); // the core switched when it appended; this answers the operator
      } else {
        r = null; // a leader's empty entry
      }
      if (r != null) results.add(r);
    }
    Entry last = batch.get(batch.size() - 1);
    lastIndex = last.getIndex();
    lastTerm = last.getTerm();
    openSessions = sessions.size();
    expiredSessions = sessions.expired();
    onApplied.accept(new AppliedBatch(lastIndex, results));
  }

  /**
   * Decides every entry of the batch in log order; commands gets what the state machine will apply.
   */
  private Planned[] plan(List<Entry> batch, List<CommittedEntry> commands) {
    Planned[] plan = new Planned[batch.size()];
    // A retry of a command applied earlier in this batch shares its position: its result is not
    // saved until the state machine has run.
    InBatch inBatch = new InBatch(plan);
    for (int i = 0; i < batch.size(); i++) {
      Entry e = batch.get(i);
      if (isCommand(e)) {
        plan[i] = new ApplyCommand(commands.size(), 0, 0);
        commands.add(new CommittedEntry(e.getIndex(), e.getTerm(), e.getData().toByteArray()));
      } else if (e.getType() == EntryType.ENTRY_SESSION) {
        plan[i] = planSession(e, commands, inBatch);
      } else if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
        plan[i] = CONF_CHANGED;
      } else {
        plan[i] = EMPTY;
      }
    }
    return plan;
  }

  /**
   * A session entry. Every command is checked against the table, a retry within the batch too, so
   * that the table (last activity, expiry, acknowledgements) moves exactly as if each entry were
   * applied alone: replicas batch differently and must still agree.
   */
  private Planned planSession(Entry e, List<CommittedEntry> commands, InBatch inBatch) {
    SessionCodec.Decoded c = SessionCodec.decode(e);
    if (c.register()) {
      sessions.register(e.getIndex(), c.timestampMs());
      return new Registered(e.getIndex());
    }
    Sessions.Verdict v =
        sessions.check(c.session(), c.sequence(), c.firstUnacked(), c.timestampMs());
    if (v instanceof Sessions.Saved saved
        && !planted.contains(io.raftjvm.core.PlantedFault.RETRY_APPLIED_TWICE)) {
      return new SavedResult(saved.result());
    }
    if (v instanceof Sessions.Expired x) return new Expired(x.why());
    ApplyCommand earlier = inBatch.find(c.session(), c.sequence());
    if (earlier != null) return earlier;
    ApplyCommand a = new ApplyCommand(commands.size(), c.session(), c.sequence());
    inBatch.add(a);
    commands.add(new CommittedEntry(e.getIndex(), e.getTerm(), c.command()));
    return a;
  }

  private record SessionSeq(long session, long sequence) {}

  /**
   * The session commands of one batch that the state machine applies, found by session and
   * sequence. While they come from one session in rising sequence (one client's pipeline, the
   * common case) none can retry another and nothing is indexed; the index is made from the plan so
   * far at the first command that breaks that run.
   */
  private static final class InBatch {
    private final Planned[] plan;
    private java.util.Map<SessionSeq, ApplyCommand> index;

    /** The last session command added while not indexing; session 0 (no session) before any. */
    private long session;

    private long sequence;

    InBatch(Planned[] plan) {
      this.plan = plan;
    }

    /** The command of this batch with this session and sequence, or null. */
    ApplyCommand find(long session, long sequence) {
      if (index == null) {
        if (this.session == 0 || (session == this.session && sequence > this.sequence)) {
          return null;
        }
        index = new java.util.HashMap<>();
        for (Planned p : plan) {
          if (p instanceof ApplyCommand a && a.session() != 0) {
            index.putIfAbsent(new SessionSeq(a.session(), a.sequence()), a);
          }
        }
      }
      return index.get(new SessionSeq(session, sequence));
    }

    /** Records a session command the state machine applies. */
    void add(ApplyCommand a) {
      if (index != null) {
        index.put(new SessionSeq(a.session(), a.sequence()), a);
        return;
      }
      session = a.session();
      sequence = a.sequence();
    }
  }

  private static final byte[] NO_VALUE = new byte[0];

  private static boolean isCommand(Entry e) {
    return e.getType() == EntryType.ENTRY_NORMAL && !e.getData().isEmpty();
  }
}
