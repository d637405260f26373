package io.raftjvm.runtime;

import io.raftjvm.core.Entries;
import io.raftjvm.core.LogStore;
import io.raftjvm.core.RaftLogger;
import io.raftjvm.core.RaftNode;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.SnapshotMetadata;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Takes a node's snapshots and compacts its log (thesis ch. 5). Runs on the node's loop; the work
 * happens elsewhere, in order with everything else: the state machine writes its image on the apply
 * thread (right after the entries queued before the request, so the image is exactly as of the last
 * of them), the loop adds the configuration at that index, a thread of the keeper (the finisher)
 * makes the snapshot durable and visible, and the log writer thread records it in the log store and
 * compacts the log up to a trailing margin. Only then does the core forget older configurations,
 * and the finisher deletes older snapshots. At most one snapshot is under way.
 *
 * <p>A failed snapshot is dropped and logged; the node goes on and tries again later.
 */
final class SnapshotKeeper {
  private final long id;
  private final RaftNode node;
  private final LogStore store;
  private final SnapshotStore snapshots;
  private final SnapshotPolicy policy;
  private final LogWriter writer;

  /**
   * Makes taken snapshots durable and deletes the older ones: their syncs and deletions (discards,
   * on some file systems) stay off the log writer, which every commit waits on.
   */
  private final SerialExecutor finisher;

  private final ApplyWorker applier;
  private final Executor loop;
  private final RaftLogger logger;

  // Loop only.
  /** Written on the loop; read by status pages. */
  private volatile long lastIndex;

  /** When the snapshot under way was asked for (System.nanoTime). Loop only. */
  private long takeStartedNanos;

  private long bytesSince;
  private CompletableFuture<Long> pending;

  SnapshotKeeper(
      long id,
      RaftNode node,
      LogStore store,
      SnapshotStore snapshots,
      SnapshotPolicy policy,
      LogWriter writer,
      SerialExecutor finisher,
      ApplyWorker applier,
      Executor loop,
      RaftLogger logger) {
    this.id = id;
    this.node = node;
    this.store = store;
    this.snapshots = snapshots;
    this.policy = policy;
    this.writer = writer;
    this.finisher = finisher;
    this.applier = applier;
    this.loop = loop;
    this.logger = logger;
    this.lastIndex = store.snapshot().getMetadata().getIndex();
  }

  /** Entries the policy keeps before a snapshot. */
  long trailingEntries() {
    return policy.trailingEntries();
  }

  /** Index of the latest snapshot (taken or installed). */
  long lastIndex() {
    return lastIndex;
  }

  /** Committed entries were handed to the applier. */
  void onApplyQueued(List<Entry> entries) {
    bytesSince += Entries.sizeOf(entries);
  }

  /** Entries up to applied are applied: snapshot if the policy says it is time. */
  void maybeSnapshot(long applied) {
    if (pending == null && policy.due(applied - lastIndex, bytesSince))
      take(policy.trailingEntries());
  }

  /**
   * A snapshot now (bin/raft-admin.sh snapshot), keeping trailingEntries of log before it:
   * completes with its index once it is durable. If one is under way, that one.
   */
  CompletableFuture<Long> snapshotNow(long trailingEntries) {
    return pending != null ? pending : take(trailingEntries);
  }

  /**
   * The leader sent a snapshot and the core restored its log from it: the state machine takes the
   * snapshot's state (on the apply thread, before anything after it); the log store records it with
   * the Ready. The data arrived complete and checked before the message was stepped; if it is not
   * here, this node cannot go on (IllegalStateException: fail-stop).
   */
  void install(SnapshotMetadata meta) {
    SnapshotStore.Stored s;
    try {
      s = snapshots.get(meta.getIndex(), meta.getTerm());
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot read snapshot " + meta.getIndex() + ": " + e.getMessage(), e);
    }
    if (s == null) {
      throw new IllegalStateException(
          "snapshot "
              + meta.getIndex()
              + "-"
              + meta.getTerm()
              + " was installed"
              + " but its data is not in the snapshot store");
    }
    applier.restore(s);
    lastIndex = Math.max(lastIndex, meta.getIndex());
    node.metrics().snapshotInstalled();
    bytesSince = 0;
    logger.info(
        "node {} installs the leader's snapshot at index {} term {}",
        id,
        meta.getIndex(),
        meta.getTerm());
  }

  /**
   * Streams the snapshot the core asked to send (m names it) through transport; done says how it
   * went.
   */
  void send(Message m, Transport transport, Consumer<Boolean> done) {
    SnapshotMetadata meta = m.getSnapshot().getMetadata();
    SnapshotStore.Stored s = null;
    try {
      s = snapshots.get(meta.getIndex(), meta.getTerm());
    } catch (IOException e) {
      logger.warn("node {} cannot read snapshot {}: {}", id, meta.getIndex(), e.toString());
    }
    if (s == null) {
      logger.warn(
          "node {} cannot send snapshot {}-{} to {}: not in the snapshot store",
          id,
          meta.getIndex(),
          meta.getTerm(),
          m.getTo());
      done.accept(false);
      return;
    }
    transport.sendSnapshot(m, s, done);
  }

  private CompletableFuture<Long> take(long trailingEntries) {
    CompletableFuture<Long> f = new CompletableFuture<>();
    pending = f;
    bytesSince = 0;
    takeStartedNanos = System.nanoTime();
    applier.takeSnapshot(
        snapshots, taken -> loop.execute(() -> written(taken, trailingEntries, f)));
    return f;
  }

  /**
   * On the loop: the image is written; add the configuration, make it durable on the finisher, then
   * record it on the log writer.
   */
  private void written(
      ApplyWorker.SnapshotTaken taken, long trailingEntries, CompletableFuture<Long> f) {
    if (taken.error() != null) {
      failed(f, "writing the state machine's image failed: " + taken.error());
      return;
    }
    if (taken.writer() == null || taken.index() <= lastIndex) {
      if (taken.writer() != null) taken.writer().abort();
      done(f, lastIndex); // nothing applied since the last one
      return;
    }
    ConfState conf;
    try {
      conf = node.confStateAt(taken.index());
    } catch (IllegalArgumentException e) {
      taken.writer().abort(); // a snapshot from the leader superseded it meanwhile
      done(f, lastIndex);
      return;
    }
    long index = taken.index();
    long compactTo = index - trailingEntries;
    try {
      finisher.execute(() -> finish(taken, conf, compactTo, f));
    } catch (RejectedExecutionException e) {
      taken.writer().abort();
      failed(f, "snapshot " + index + " dropped: the node is closing");
    }
  }

  /** On the finisher: makes the snapshot durable, then has the log writer record it. */
  private void finish(
      ApplyWorker.SnapshotTaken taken, ConfState conf, long compactTo, CompletableFuture<Long> f) {
    long index = taken.index();
    SnapshotStore.Stored s;
    try {
      s = taken.writer().finish(conf);
    } catch (IOException | RuntimeException e) {
      loop.execute(() -> failed(f, "storing snapshot " + index + " failed: " + e));
      return;
    }
    try {
      writer.run(() -> record(s, compactTo, f));
    } catch (IllegalStateException e) {
      // The node is closing: the snapshot stays unrecorded, as after a crash right here.
      loop.execute(() -> failed(f, "snapshot " + index + " not recorded: " + e.getMessage()));
    }
  }

  /**
   * On the log writer thread, the store's only writer: records the durable snapshot s and compacts
   * the log up to compactTo.
   */
  private void record(SnapshotStore.Stored s, long compactTo, CompletableFuture<Long> f) {
    store.recordSnapshot(s.metadata()); // a failure here is fatal, as a failed write
    if (compactTo >= store.firstIndex()) store.compact(compactTo);
    loop.execute(() -> stored(f, s.metadata(), s.size()));
  }

  private void stored(CompletableFuture<Long> f, SnapshotMetadata meta, long size) {
    long index = meta.getIndex();
    if (index > lastIndex) {
      node.snapshotTaken(index);
      lastIndex = index;
      node.metrics().snapshotTaken(System.nanoTime() - takeStartedNanos, size);
    }
    logger.info(
        "node {} took a snapshot at index {} term {} ({} bytes); the log now starts at {}",
        id,
        index,
        meta.getTerm(),
        size,
        store.firstIndex());
    done(f, index);
    try {
      finisher.execute(() -> deleteBefore(index));
    } catch (RejectedExecutionException e) {
      // Closing: the older snapshots go after the next one.
    }
  }

  /** On the finisher: the snapshots older than the one recorded at index are of no more use. */
  private void deleteBefore(long index) {
    try {
      snapshots.deleteBefore(index);
    } catch (IOException e) {
      logger.warn("node {} cannot delete snapshots before {}: {}", id, index, e.toString());
    }
  }

  private void failed(CompletableFuture<Long> f, String why) {
    logger.warn("node {}: snapshot dropped: {}", id, why);
    pending = null;
    f.completeExceptionally(new IllegalStateException(why));
  }

  private void done(CompletableFuture<Long> f, long index) {
    pending = null;
    f.complete(index);
  }
}
