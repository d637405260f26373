package io.raftjvm.core.tracker;

/**
 * The leader's view of one follower: §5.3's matchIndex and nextIndex plus flow control. Every state
 * transition lives in this class.
 *
 * <p>Invariant: {@code match < next}. In PROBE at most one append is in flight; in REPLICATE {@code
 * next} advances on send and {@link Inflights} bounds the pipeline; in SNAPSHOT nothing is sent
 * until the snapshot is reported done or failed.
 */
public final class Progress {
  /** Highest index known replicated on the follower. Only grows while this leader lasts. */
  private long match;

  /** Index of the next entry to send. */
  private long next;

  private ProgressState state = ProgressState.PROBE;

  /** In SNAPSHOT: index of the snapshot being sent. */
  private long pendingSnapshot;

  /** In PROBE: an append is in flight and unanswered. */
  private boolean probeSent;

  /** Heard from since the last CheckQuorum round (thesis §6.2). */
  private boolean recentActive;

  private boolean learner;
  private final Inflights inflights;

  public Progress(long match, long next, Inflights inflights, boolean learner) {
    this.match = match;
    this.next = next;
    this.inflights = inflights;
    this.learner = learner;
  }

  public long match() {
    return match;
  }

  public long next() {
    return next;
  }

  public ProgressState state() {
    return state;
  }

  public long pendingSnapshot() {
    return pendingSnapshot;
  }

  public boolean isLearner() {
    return learner;
  }

  /** A learner promoted to voter keeps its replication state. */
  public void setLearner(boolean learner) {
    this.learner = learner;
  }

  public boolean recentActive() {
    return recentActive;
  }

  public void setRecentActive(boolean active) {
    recentActive = active;
  }

  public Inflights inflights() {
    return inflights;
  }

  public boolean probeSent() {
    return probeSent;
  }

  /** Whether sending an append to this follower must wait. */
  public boolean isPaused() {
    return switch (state) {
      case PROBE -> probeSent;
      case REPLICATE -> inflights.full();
      case SNAPSHOT -> true;
    };
  }

  public void becomeProbe() {
    if (state == ProgressState.SNAPSHOT) {
      long snap = pendingSnapshot;
      resetState(ProgressState.PROBE);
      next = Math.max(match + 1, snap + 1);
    } else {
      resetState(ProgressState.PROBE);
      next = match + 1;
    }
  }

  public void becomeReplicate() {
    resetState(ProgressState.REPLICATE);
    next = match + 1;
  }

  public void becomeSnapshot(long snapshotIndex) {
    resetState(ProgressState.SNAPSHOT);
    pendingSnapshot = snapshotIndex;
  }

  private void resetState(ProgressState s) {
    probeSent = false;
    pendingSnapshot = 0;
    state = s;
    inflights.reset();
  }

  /**
   * Bookkeeping after sending an append of entries ending at lastIndex (or an empty one). In
   * REPLICATE next advances optimistically; in PROBE the follower is paused until it answers.
   */
  public void onAppendSent(int entries, long lastIndex, long bytes) {
    switch (state) {
      case REPLICATE -> {
        if (entries > 0) {
          next = lastIndex + 1;
          inflights.add(lastIndex, bytes);
        }
      }
      case PROBE -> probeSent = true;
      case SNAPSHOT ->
          throw new IllegalStateException("sending append to a follower in SNAPSHOT state");
    }
  }

  /**
   * An acknowledgement that the follower's log matches up to index. Acks may be stale, duplicated
   * or out of order: match only grows. Moves PROBE to REPLICATE, and SNAPSHOT to PROBE once the
   * follower has the snapshot.
   *
   * @return whether match grew
   */
  public boolean onAppendAck(long index) {
    boolean updated = index > match;
    if (updated) {
      match = index;
      probeSent = false;
    }
    next = Math.max(next, index + 1);
    switch (state) {
      case PROBE -> {
        if (updated || index == match) becomeReplicate();
      }
      case SNAPSHOT -> {
        if (match >= pendingSnapshot) becomeProbe();
      }
      case REPLICATE -> inflights.freeLE(index);
    }
    return updated;
  }

  /**
   * A rejection of the append whose prevLogIndex was rejected; hint is where the follower's log may
   * match at the latest. Ignored when stale (the rejection is for an append already superseded).
   *
   * @return whether next moved back (the caller then resends)
   */
  public boolean onAppendReject(long rejected, long hint) {
    if (state == ProgressState.REPLICATE) {
      if (rejected <= match) return false;
      becomeProbe();
      next = Math.max(match + 1, Math.min(rejected, hint + 1));
      return true;
    }
    if (state == ProgressState.SNAPSHOT) return false;
    if (next - 1 != rejected) return false;
    next = Math.max(Math.min(rejected, hint + 1), match + 1);
    probeSent = false;
    return true;
  }

  /**
   * The transport finished sending the snapshot (or gave up). Either way, probe from there; the
   * follower answers the next heartbeat and the probe resumes. On failure start over from match.
   */
  public void onSnapshotReported(boolean success) {
    if (state != ProgressState.SNAPSHOT) return;
    if (!success) pendingSnapshot = 0;
    becomeProbe();
    probeSent = true;
  }

  /** A heartbeat answer: a probe may go again; a full pipeline lets one probe through. */
  public void onHeartbeatResponse() {
    probeSent = false;
    if (state == ProgressState.REPLICATE && inflights.full()) inflights.freeFirstOne();
  }

  @Override
  public String toString() {
    return state
        + " match="
        + match
        + " next="
        + next
        + (state == ProgressState.SNAPSHOT ? " snapshot=" + pendingSnapshot : "")
        + (learner ? " learner" : "")
        + (isPaused() ? " paused" : "")
        + (inflights.count() > 0 ? " inflight=" + inflights.count() : "");
  }
}
