package io.raftjvm.core;

import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.Snapshot;
import java.util.List;

/**
 * Work the core hands to its owner. The owner must, in this order per Ready:
 *
 * <ol>
 *   <li>send {@code sendNow} at once (leader appends may leave before the leader's own disk write:
 *       thesis §10.2.1; heartbeat responses and read index messages promise nothing on disk);
 *   <li>persist {@code snapshot}, {@code toPersist} and {@code hardState} (forcing them to disk
 *       when {@code mustSync}), Readies strictly in number order, then call {@link
 *       RaftNode#onPersisted(long)} with this number;
 *   <li>only after that, send {@code sendAfterPersist} (vote and append responses, vote requests:
 *       they promise what was just persisted);
 *   <li>apply {@code toApply} in order and report {@link RaftNode#onApplied(long)}.
 * </ol>
 *
 * A Ready with nothing to persist still waits for every earlier Ready to be persisted before its
 * {@code sendAfterPersist} leave.
 *
 * @param number increasing sequence number, for onPersisted
 * @param softState new leader/role, or null if unchanged
 * @param hardState new term/vote/commit to persist, or null if unchanged
 * @param toPersist entries to append; they may overwrite a suffix of the stored log (§5.3)
 * @param snapshot snapshot received from the leader to persist and restore, or null
 * @param sendNow messages to send immediately
 * @param sendAfterPersist messages to send once this Ready is durable
 * @param toApply committed entries, durable here, to apply in order
 * @param mustSync whether persisting needs an fsync (entries, term or vote changed)
 * @param confState the configuration now in force, or null if unchanged: it changes when a
 *     configuration entry is appended (before it commits) or truncated, or a snapshot arrives; the
 *     owner updates its address book from it
 * @param readStates reads that may be served once this node has applied their index
 */
public record Ready(
    long number,
    SoftState softState,
    HardState hardState,
    List<Entry> toPersist,
    Snapshot snapshot,
    List<Message> sendNow,
    List<Message> sendAfterPersist,
    List<Entry> toApply,
    boolean mustSync,
    ConfState confState,
    List<ReadState> readStates) {}
