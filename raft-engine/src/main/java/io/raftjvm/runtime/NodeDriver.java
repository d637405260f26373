package io.raftjvm.runtime;

import com.google.protobuf.ByteString;
import io.raftjvm.core.ConfChangeRejectedException;
import io.raftjvm.core.LogStore;
import io.raftjvm.core.NotLeaderException;
import io.raftjvm.core.RaftLogger;
import io.raftjvm.core.RaftNode;
import io.raftjvm.core.Ready;
import io.raftjvm.core.Role;
import io.raftjvm.proto.ConfChange;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.EntryType;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.SnapshotMetadata;
import io.raftjvm.statemachine.StateMachine;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs one {@link RaftNode} on one loop thread (a Netty EventLoop in the server): every call into
 * the core happens there, so the core needs no lock. Work reaches the loop by {@code execute};
 * everything that arrives before the loop gets to it is stepped, then drained once, so one drain
 * makes one storage write and one flush per peer: that is where batching and pipelining come from.
 *
 * <p>Per Ready: leader traffic is sent at once (thesis §10.2.1), the durable part goes to the
 * {@link LogWriter} (group commit on its thread), committed entries go to the {@link ApplyWorker}
 * (its thread); when the writer reports a Ready durable, the loop sends the messages that waited
 * for it (vote and append responses). Nothing here blocks the loop.
 *
 * <p>Requests from other threads enter through {@link LoopRequests}; Readies are carried out by
 * {@link ReadyCarrier}; this class holds the node's loop-side state, its ticks and its lifecycle.
 *
 * <p>Failure is fail-stop: an invariant violation in the core, a log write that fails or a state
 * machine that throws stops the node (no more ticks, messages or proposals); waiting proposals
 * fail.
 */
public final class NodeDriver implements AutoCloseable {
  final RaftNode node;
  final NodeRuntime runtime;
  final NodeLoop loop;
  final long tickMillis;
  final RaftLogger logger;
  final long id;
  final LogWriter writer;
  final ApplyWorker applier;

  final SnapshotKeeper keeper;

  /** The keeper's thread: makes snapshots durable and deletes old ones. Null without snapshots. */
  private final SerialExecutor snapshotFinisher;

  /** Linearizable reads. Loop only. */
  final Reads reads;

  /** Added to on the loop, completed on the apply thread. */
  final ProposalRegistry proposals;

  /** Takes requests from other threads onto the loop. */
  final LoopRequests requests = new LoopRequests(this);

  /** Takes client proposals onto the loop in batches. */
  final ProposalInbox inbox = new ProposalInbox(this);

  /** Carries out the core's Readies. */
  final ReadyCarrier carrier;

  Transport transport;
  NodeLoop.Timer ticker;

  /** A drain is queued on the loop. Loop only. */
  boolean drainScheduled;

  /** The ticks the core is owed by the monotonic clock. Loop only. */
  final TickClock clock;

  /** Whether the log writer has stalled past an election timeout. Loop only. */
  final DiskStallWatch disk;

  /** The planted bug TICKS_FOLLOW_THE_TIMER (simulation only). */
  final boolean timerTicks;

  // Published for other threads.
  volatile Role role = Role.FOLLOWER;
  volatile long term;
  volatile long leader;
  volatile long commit;
  volatile long lastIndex;
  volatile long applied;
  volatile ConfState conf;
  volatile Throwable failure;
  volatile long failedAtMillis;
  volatile boolean stopped;

  /** The configuration in force has voters and does not name this server. */
  volatile boolean removed;

  /** When the loop last ticked, on the runtime's monotonic clock (ms). */
  volatile long lastTickMillis;

  /** How long the oldest write not yet durable had waited at the last tick (ms), 0 if none. */
  volatile long writeWaitMillis;

  /**
   * Sees each Ready on the loop before it is carried out (simulation invariants). Set before start.
   */
  java.util.function.Consumer<Ready> readyObserver = rd -> {};

  /** Told, on the loop, why the node stopped on a failure (not on close). Set before start. */
  volatile java.util.function.Consumer<String> onFailure = reason -> {};

  /** A node without snapshots (tests, tools): its log is never compacted. */
  public NodeDriver(
      long id,
      RaftNode node,
      LogStore store,
      StateMachine stateMachine,
      NodeRuntime runtime,
      long tickMillis,
      RaftLogger logger) {
    this(
        id, node, store, stateMachine, null, SnapshotPolicy.ON_DEMAND, runtime, tickMillis, logger);
  }

  /**
   * @param snapshots where snapshots live (null: none are taken or installed); the state machine
   *     must already hold the state as of the store's latest snapshot
   * @param policy when to snapshot and how much log to keep behind a snapshot
   * @param runtime the loop, the writer's and applier's executors and the clock
   */
  public NodeDriver(
      long id,
      RaftNode node,
      LogStore store,
      StateMachine stateMachine,
      SnapshotStore snapshots,
      SnapshotPolicy policy,
      NodeRuntime runtime,
      long tickMillis,
      RaftLogger logger) {
    if (tickMillis <= 0) throw new IllegalArgumentException("tick must be positive: " + tickMillis);
    this.id = id;
    this.node = node;
    this.carrier = new ReadyCarrier(this);
    this.lastTickMillis = runtime.monotonicMillis();
    this.runtime = runtime;
    this.loop = runtime.loop();
    this.tickMillis = tickMillis;
    this.logger = logger;
    this.proposals = new ProposalRegistry(logger);
    this.writer =
        new LogWriter(
            store,
            "raft-" + id + "-log",
            runtime.worker("raft-" + id + "-log"),
            n -> loop.execute(() -> carrier.onDurable(n)),
            t -> loop.execute(() -> fail("log write failed", t)));
    writer.reportTo(node.metrics());
    // The state machine holds the state as of the latest snapshot, unless it keeps its own state
    // beyond it: then the first snapshot waits until an entry is applied (its term is unknown).
    SnapshotMetadata base = store.snapshot().getMetadata();
    boolean atBase = stateMachine.lastApplied() <= base.getIndex();
    this.applier =
        new ApplyWorker(
            stateMachine,
            "raft-" + id + "-apply",
            runtime.worker("raft-" + id + "-apply"),
            atBase ? base.getIndex() : 0,
            atBase ? base.getTerm() : 0,
            policy.sessionTimeoutMs(),
            a -> carrier.appliedOnApplyThread(a),
            t ->
                loop.execute(
                    () ->
                        fail(
                            "state machine failed", t, ProposalFailedException.Kind.APPLY_FAILED)));
    applier.writeSnapshotsOn(() -> runtime.worker("raft-" + id + "-snapshot-out"));
    this.snapshotFinisher = snapshots == null ? null : runtime.worker("raft-" + id + "-snapshot");
    this.keeper =
        snapshots == null
            ? null
            : new SnapshotKeeper(
                id,
                node,
                store,
                snapshots,
                policy,
                writer,
                snapshotFinisher,
                applier,
                loop,
                logger);
    applier.plant(
        java.util.Arrays.stream(io.raftjvm.core.PlantedFault.values())
            .filter(node::planted)
            .collect(java.util.stream.Collectors.toSet()));
    this.clock = new TickClock(tickMillis, node.electionTicks());
    this.disk = new DiskStallWatch(tickMillis, node.electionTicks());
    this.timerTicks = node.planted(io.raftjvm.core.PlantedFault.TICKS_FOLLOW_THE_TIMER);
    this.reads =
        new Reads(
            applier,
            node.planted(io.raftjvm.core.PlantedFault.READ_BEFORE_APPLYING_READ_INDEX),
            node.metrics());
    // The state machine and the session table start from the latest snapshot; the log after it
    // follows.
    if (snapshots != null && base.getIndex() > 0) {
      try {
        SnapshotStore.Stored latest = snapshots.get(base.getIndex(), base.getTerm());
        if (latest == null) {
          throw new IllegalStateException(
              "snapshot " + base.getIndex() + "-" + base.getTerm() + " is missing");
        }
        applier.restore(latest);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  /** Starts ticking and talking through transport. */
  public void start(Transport transport) {
    loop.execute(
        () -> {
          this.transport = transport;
          reads.onHandedOut(node.status().applied());
          conf = node.confState();
          transport.updateMembers(conf);
          applier.opened();
          carrier.announceConfiguration(conf);
          carrier.flushEvents();
          carrier.checkRemoved();
          clock.start(runtime.monotonicMillis());
          ticker = loop.every(tickMillis, this::tick);
          carrier.drain();
        });
  }

  // ------------------------------------------------------------------ inputs (any thread)

  /** Steps messages from peers (one read burst) and drains once. */
  public void deliver(List<Message> messages) {
    requests.deliver(messages);
  }

  /** Transport feedback: messages to peer are being dropped. */
  public void reportUnreachable(long peer) {
    requests.reportUnreachable(peer);
  }

  /**
   * Proposes a command. Completes with the state machine's result once it is applied here, or
   * exceptionally: {@link NotLeaderException} (with the leader's id when known), or {@link
   * ProposalFailedException}.
   */
  public CompletableFuture<Proposal> propose(ByteString command) {
    return inbox.submit(command, EntryType.ENTRY_NORMAL);
  }

  /** {@link #propose(ByteString)}, telling done instead of completing a future. */
  public void propose(ByteString command, Callback<Proposal> done) {
    inbox.submit(command, EntryType.ENTRY_NORMAL, done);
  }

  /**
   * Opens an exactly-once session (thesis §6.3); completes with its id (the registration's index).
   */
  public CompletableFuture<Long> registerSession() {
    ByteString entry = SessionCodec.register(runtime.currentTimeMillis());
    return inbox.submit(entry, EntryType.ENTRY_SESSION).thenApply(Proposal::index);
  }

  /**
   * Proposes a command of a session: applied at most once per (session, sequence), a retry returns
   * the first result. Fails with SESSION_EXPIRED when the session is unknown or expired.
   */
  public CompletableFuture<Proposal> proposeInSession(
      long session, long sequence, long firstUnacked, ByteString command) {
    Callback.Future<Proposal> f = new Callback.Future<>();
    proposeInSession(session, sequence, firstUnacked, command, f);
    return f;
  }

  /**
   * {@link #proposeInSession(long, long, long, ByteString)}, telling done instead of completing a
   * future.
   */
  public void proposeInSession(
      long session, long sequence, long firstUnacked, ByteString command, Callback<Proposal> done) {
    ByteString entry =
        SessionCodec.command(runtime.currentTimeMillis(), session, sequence, firstUnacked, command);
    inbox.submit(entry, EntryType.ENTRY_SESSION, done);
  }

  /**
   * Proposes a single-server membership change (thesis §4.1). Completes with the configuration
   * entry's index once it is committed and applied here, or exceptionally: NotLeaderException,
   * {@link ConfChangeRejectedException} (refused, nothing changed; see its retryable()), or {@link
   * ProposalFailedException} as for proposals (UNAVAILABLE while a leadership transfer is under
   * way).
   */
  public CompletableFuture<Long> changeMembership(ConfChange change) {
    return requests
        .append(() -> node.proposeConfChange(change), "changing membership")
        .thenApply(Proposal::index);
  }

  /** A consistent picture of the node, taken on its loop. */
  public CompletableFuture<RaftNode.Status> status() {
    CompletableFuture<RaftNode.Status> f = new CompletableFuture<>();
    requests.onRunningLoop(f, () -> f.complete(node.status()));
    return f;
  }

  /**
   * A linearizable read (thesis §6.4): runs query on the state machine once this node has applied
   * everything committed before the call, confirmed by the leader's heartbeat round; no log entry
   * is written. Works on a follower too (it asks the leader for the read index and serves the read
   * itself). Completes exceptionally with NotLeaderException when no leader is known, or
   * ProposalFailedException (LEADERSHIP_LOST: retry) when leadership changed first.
   */
  public CompletableFuture<byte[]> read(byte[] query) {
    return requests.read(query);
  }

  /**
   * A linearizable barrier (ReadIndex, thesis §6.4, with no query): completes, with the index of
   * the last entry applied here, once this node has applied everything committed before the call,
   * as the leader confirmed. On a follower too. Fails as {@link #read} does.
   */
  public CompletableFuture<Long> readBarrier() {
    return requests.read(null).thenApply(b -> java.nio.ByteBuffer.wrap(b).getLong());
  }

  /**
   * A snapshot holding every entry committed before the call (a backup): a {@link #readBarrier},
   * then a snapshot at or past the barrier's index (a snapshot already under way may be older: then
   * another one). Completes with the snapshot's index; fails as {@link #readBarrier} and {@link
   * #snapshot()} do.
   */
  public CompletableFuture<Long> snapshotAfterBarrier() {
    return readBarrier().thenCompose(at -> snapshotFrom(at, 3));
  }

  private CompletableFuture<Long> snapshotFrom(long at, int attempts) {
    return snapshot()
        .thenCompose(
            index -> {
              if (index >= at) return CompletableFuture.completedFuture(index);
              if (attempts > 1) return snapshotFrom(at, attempts - 1);
              return CompletableFuture.failedFuture(
                  new IllegalStateException(
                      "node " + id + " took snapshot " + index + ", not past index " + at));
            });
  }

  /**
   * Asks the leader to hand leadership to target (thesis §3.10). Completes once the request is
   * taken (not when the transfer finishes); exceptionally with NotLeaderException on a follower or
   * IllegalArgumentException for a target that is not a voter.
   */
  public CompletableFuture<Void> transferLeadership(long target) {
    return requests.transferLeadership(target);
  }

  /** Gives the core every tick the monotonic clock says is due (see {@link TickClock}). */
  void catchUpTicks() {
    if (timerTicks) return; // the planted bug: only the timer's firings tick
    for (long n = clock.owed(runtime.monotonicMillis()); n > 0; n--) node.tick();
  }

  // ------------------------------------------------------------------ loop

  void tick() {
    if (stopped) return;
    try {
      if (timerTicks) node.tick();
      else catchUpTicks();
      checkDisk();
    } catch (RuntimeException e) {
      fail("invariant violated on tick", e);
      return;
    }
    carrier.drain();
  }

  /**
   * A leader whose log writer stalled past an election timeout hands leadership over ({@link
   * DiskStallWatch}).
   */
  void checkDisk() {
    long now = runtime.monotonicMillis();
    lastTickMillis = now;
    writeWaitMillis = disk.waitedMillis(now);
    if (disk.check(now)) {
      logger.warn(
          "node {}: the log writer has not finished a write for {} ms", id, disk.waitedMillis(now));
    }
    if (role != Role.LEADER || !disk.stalled()) return; // no status snapshot on every tick
    long target = disk.handoverTarget(id, node.status(), clock.given());
    if (target != 0) {
      logger.warn("node {}: its log writer is stalled; handing leadership to node {}", id, target);
      node.transferLeadership(target);
    }
  }

  void scheduleDrain() {
    if (!drainScheduled) {
      drainScheduled = true;
      loop.execute(carrier::drain);
    }
  }

  /**
   * Takes a snapshot now (bin/raft-admin.sh snapshot). Completes with its index once it is durable
   * and the log compacted; exceptionally if the node keeps no snapshots or writing one failed.
   */
  public CompletableFuture<Long> snapshot() {
    return snapshot(-1);
  }

  /**
   * As {@link #snapshot()}, keeping trailingEntries entries of log before the snapshot (negative:
   * as the snapshot policy says).
   */
  public CompletableFuture<Long> snapshot(long trailingEntries) {
    return requests.snapshot(trailingEntries);
  }

  void fail(String what, Throwable t) {
    fail(what, t, ProposalFailedException.Kind.LEADERSHIP_LOST);
  }

  /** Stops the node; waiting proposals fail with kind (they are in the log: outcome unknown). */
  void fail(String what, Throwable t, ProposalFailedException.Kind kind) {
    if (stopped) return;
    failedAtMillis = runtime.currentTimeMillis();
    failure = t;
    stopped = true;
    if (ticker != null) ticker.cancel();
    if (t instanceof StateMachineFailedException)
      logger.warn("node {} stopped: {}", id, t.getMessage());
    else logger.warn("node {} stopped: {}: {}", id, what, t.toString());
    if (t instanceof StateMachineFailedException sm) {
      // Definite: the failing batch's commands were not applied here, and nothing after them
      // ever will be on this server.
      proposals.failAll(
          kind,
          "node "
              + id
              + " stopped: "
              + sm.getMessage()
              + "; commands from entry "
              + sm.firstIndex()
              + " on are not applied on this server");
    } else {
      proposals.failAll(
          kind, "node " + id + " stopped (" + what + ": " + t + "); the command may still commit");
    }
    reads.failAll("node " + id + " stopped");
    onFailure.accept(t instanceof StateMachineFailedException ? t.getMessage() : what + ": " + t);
  }

  /**
   * Registers who is told (once, on the loop, so it must not block) that the node stopped on a
   * failure, with a one-line reason; the server closes its ports so that clients and peers move on.
   */
  public void onFailure(java.util.function.Consumer<String> listener) {
    this.onFailure = listener;
  }

  /**
   * Registers who sees every Ready, on the loop, before it is carried out: the whole-node
   * simulation checks Raft's invariants on them. Call before start; it must not block or throw.
   */
  public void observeReadies(java.util.function.Consumer<Ready> observer) {
    this.readyObserver = observer;
  }

  // ------------------------------------------------------------------ status and shutdown

  public long id() {
    return id;
  }

  public Role role() {
    return role;
  }

  public long term() {
    return term;
  }

  /** The leader's id as this node knows it, 0 when unknown. */
  public long leader() {
    return leader;
  }

  public long commitIndex() {
    return commit;
  }

  public long appliedIndex() {
    return applied;
  }

  /** Index of the last entry in the log here, as of the last drain. */
  public long lastIndex() {
    return lastIndex;
  }

  /** The apply worker's session figures (open, expired, duplicates answered). */
  public ApplyWorker applier() {
    return applier;
  }

  /** The configuration in force here (the latest in the log), or null before start. */
  public ConfState confState() {
    return conf;
  }

  /**
   * Liveness evidence for health checks: how long the oldest log write not yet durable had waited
   * at the last tick, and how long ago (ms, on the runtime's clock) that tick was. A stuck disk
   * shows in the first, a stuck loop in the second.
   */
  public long writeWaitMillis() {
    return writeWaitMillis;
  }

  /** Milliseconds since the loop last ticked. */
  public long sinceLastTickMillis() {
    return runtime.monotonicMillis() - lastTickMillis;
  }

  /**
   * A peer says this server is not in its configuration (any thread): a removed server learns so
   * even though the entry removing it never reached it.
   */
  public void peerSaysNotMember(long peer, String notice) {
    loop.execute(() -> carrier.peerSaysNotMember(peer, notice));
  }

  /** Whether this server was removed from the configuration (it has voters and not this one). */
  public boolean removed() {
    return removed;
  }

  /** Index of the latest snapshot taken or installed here, 0 if none (or none kept). */
  public long snapshotIndex() {
    return keeper == null ? 0 : keeper.lastIndex();
  }

  /** The log writer's totals: batches written, syncs, entries. */
  public LogWriter writer() {
    return writer;
  }

  /** When the node stopped on its failure (wall clock, ms since the epoch), 0 if it did not. */
  public long failedAtMillis() {
    return failedAtMillis;
  }

  /** The error that stopped the node, or null while it runs. */
  public Throwable failure() {
    return failure;
  }

  /**
   * Stops ticking and taking work, then writes and syncs what was queued and stops the writer and
   * apply threads. Blocks: call it from a thread that is not the loop (e.g. a shutdown hook).
   */
  @Override
  public void close() {
    if (loop.inLoop()) throw new IllegalStateException("close() blocks: call it off the node loop");
    CompletableFuture<Void> stoppedOnLoop = new CompletableFuture<>();
    try {
      loop.execute(
          () -> {
            stopped = true;
            if (ticker != null) ticker.cancel();
            proposals.failAll(
                ProposalFailedException.Kind.LEADERSHIP_LOST,
                "node " + id + " is shutting down; the command may still commit");
            reads.failAll("node " + id + " is shutting down");
            stoppedOnLoop.complete(null);
          });
      stoppedOnLoop.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      logger.warn("node {} loop did not stop cleanly: {}", id, e.toString());
    }
    if (snapshotFinisher != null) snapshotFinisher.shutdown(); // before the writer it feeds
    writer.close();
    applier.close();
  }
}
