package io.raftjvm.core.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("Progress: the leader's matchIndex/nextIndex and flow control for one follower")
class ProgressTest {

  static Progress probe(long match, long next) {
    return new Progress(match, next, new Inflights(3, 0), false);
  }

  static Progress replicate(long match, int maxInflight) {
    Progress p = new Progress(match, match + 1, new Inflights(maxInflight, 0), false);
    p.becomeReplicate();
    return p;
  }

  /** A probe pauses the follower until it is answered; next does not move. Ref: §5.3. */
  @Test
  void probeAllowsOneAppendInFlight() {
    Progress p = probe(0, 5);
    assertEquals(ProgressState.PROBE, p.state());
    assertFalse(p.isPaused());
    p.onAppendSent(2, 6, 20);
    assertTrue(p.isPaused());
    assertEquals(5, p.next());
    assertEquals(0, p.inflights().count(), "PROBE does not pipeline");
  }

  /** An ack, even of exactly match, ends probing: the follower's log is known. Ref: §5.3. */
  @ParameterizedTest(name = "match {0}, ack {1} -> {2}")
  @CsvSource({"0, 4, REPLICATE", "3, 3, REPLICATE", "3, 2, PROBE"})
  void ackInProbe(long match, long ack, ProgressState after) {
    Progress p = probe(match, 5);
    p.onAppendSent(1, 5, 1);
    assertEquals(ack > match, p.onAppendAck(ack));
    assertEquals(after, p.state());
    assertEquals(Math.max(match, ack), p.match());
    if (after == ProgressState.REPLICATE) {
      assertEquals(p.match() + 1, p.next());
      assertFalse(p.isPaused());
    } else {
      assertTrue(p.isPaused(), "a stale ack does not answer the probe");
    }
  }

  /** REPLICATE advances next optimistically on each send and records it in the window. */
  @Test
  void replicateAdvancesNextOnSend() {
    Progress p = replicate(4, 3);
    p.onAppendSent(2, 6, 20);
    assertEquals(7, p.next());
    assertEquals(4, p.match());
    p.onAppendSent(0, 6, 0);
    assertEquals(7, p.next(), "an empty append changes nothing");
    assertEquals(1, p.inflights().count());
    assertEquals(20, p.inflights().bytes());
  }

  /** REPLICATE pauses when the window is full and resumes when acks free it. */
  @Test
  void replicatePausesOnFullWindow() {
    Progress p = replicate(0, 2);
    p.onAppendSent(1, 1, 1);
    p.onAppendSent(1, 2, 1);
    assertTrue(p.isPaused());
    assertTrue(p.onAppendAck(1));
    assertFalse(p.isPaused());
    assertEquals(1, p.inflights().count());
  }

  /** Acks may be duplicated or reordered: match is the maximum seen, next never falls behind it. */
  @Test
  void acksAreMonotonic() {
    Progress p = replicate(0, 10);
    for (long i = 1; i <= 6; i++) p.onAppendSent(1, i, 1);
    long[] acks = {3, 1, 5, 5, 2, 4, 6, 0};
    long max = 0;
    for (long a : acks) {
      boolean grew = a > max;
      assertEquals(grew, p.onAppendAck(a), "ack " + a);
      max = Math.max(max, a);
      assertEquals(max, p.match());
      assertEquals(7, p.next());
      assertEquals(6 - max, p.inflights().count());
    }
  }

  /**
   * A rejection in REPLICATE falls back to PROBE, from the follower's hint but never below match +
   * 1.
   */
  @ParameterizedTest(name = "match 5, reject {0} hint {1} -> next {2}")
  @CsvSource({"9, 7, 8", "9, 2, 6", "9, 20, 9", "7, 6, 7"})
  void rejectInReplicate(long rejected, long hint, long next) {
    Progress p = replicate(5, 10);
    for (long i = 6; i <= 9; i++) p.onAppendSent(1, i, 1);
    assertTrue(p.onAppendReject(rejected, hint));
    assertEquals(ProgressState.PROBE, p.state());
    assertEquals(next, p.next());
    assertEquals(0, p.inflights().count());
    assertFalse(p.isPaused());
  }

  /** A rejection of an index at or below match is stale in REPLICATE. */
  @Test
  void staleRejectInReplicateIsIgnored() {
    Progress p = replicate(5, 10);
    p.onAppendSent(2, 7, 2);
    assertFalse(p.onAppendReject(5, 1));
    assertEquals(ProgressState.REPLICATE, p.state());
    assertEquals(8, p.next());
  }

  /** In PROBE only the rejection of the probe in flight (prev = next - 1) counts. */
  @Test
  void rejectInProbe() {
    Progress p = probe(2, 10);
    p.onAppendSent(1, 10, 1);
    assertFalse(p.onAppendReject(7, 3), "not the probe in flight");
    assertEquals(10, p.next());
    assertTrue(p.isPaused());
    assertTrue(p.onAppendReject(9, 4));
    assertEquals(5, p.next());
    assertFalse(p.isPaused());
    p.onAppendSent(1, 5, 1);
    assertTrue(p.onAppendReject(4, 0));
    assertEquals(3, p.next(), "never below match + 1");
  }

  /**
   * In SNAPSHOT nothing is sent, rejections are ignored, and an ack covering the snapshot resumes
   * probing.
   */
  @Test
  void snapshotStateWaitsForTheSnapshot() {
    Progress p = replicate(3, 4);
    p.becomeSnapshot(10);
    assertTrue(p.isPaused());
    assertEquals(10, p.pendingSnapshot());
    assertFalse(p.onAppendReject(9, 1));
    assertThrows(IllegalStateException.class, () -> p.onAppendSent(1, 5, 1));
    p.onAppendAck(9);
    assertEquals(ProgressState.SNAPSHOT, p.state());
    p.onAppendAck(10);
    assertEquals(ProgressState.PROBE, p.state());
    assertEquals(11, p.next());
    assertEquals(0, p.pendingSnapshot());
  }

  /**
   * Snapshot reported: probe after it on success, from match on failure; paused until the next
   * heartbeat.
   */
  @ParameterizedTest(name = "success={0} -> next {1}")
  @CsvSource({"true, 11", "false, 4"})
  void snapshotReported(boolean success, long next) {
    Progress p = replicate(3, 4);
    p.becomeSnapshot(10);
    p.onSnapshotReported(success);
    assertEquals(ProgressState.PROBE, p.state());
    assertEquals(next, p.next());
    assertTrue(p.isPaused());
    p.onHeartbeatResponse();
    assertFalse(p.isPaused());
  }

  /** A heartbeat answer re-enables a probe, and lets one append through a full window. */
  @Test
  void heartbeatResponseUnblocks() {
    Progress pr = probe(0, 1);
    pr.onAppendSent(1, 1, 1);
    pr.onHeartbeatResponse();
    assertFalse(pr.isPaused());

    Progress rp = replicate(0, 2);
    rp.onAppendSent(1, 1, 1);
    rp.onAppendSent(1, 2, 1);
    rp.onHeartbeatResponse();
    assertFalse(rp.isPaused());
    assertEquals(1, rp.inflights().count());
  }

  /** becomeProbe restarts from match + 1 and clears the window. */
  @Test
  void becomeProbeRestartsFromMatch() {
    Progress p = replicate(4, 5);
    p.onAppendSent(3, 7, 3);
    p.becomeProbe();
    assertEquals(5, p.next());
    assertEquals(0, p.inflights().count());
    assertFalse(p.isPaused());
  }

  /**
   * Random event sequences keep the invariants: match < next, match never decreases, and only
   * REPLICATE has a window. Prints the seed on failure.
   */
  @Test
  void randomSequencesKeepInvariants() {
    for (long seed = 0; seed < 300; seed++) {
      SplittableRandom rnd = new SplittableRandom(seed);
      Progress p = new Progress(0, 1 + rnd.nextInt(5), new Inflights(1 + rnd.nextInt(4), 0), false);
      long leaderLast = p.next() + 20;
      long prevMatch = 0;
      for (int op = 0; op < 200; op++) {
        String where = "seed=" + seed + " op=" + op + " " + p;
        switch (rnd.nextInt(7)) {
          case 0, 1 -> {
            if (!p.isPaused() && p.next() <= leaderLast) {
              int n = (int) Math.min(1 + rnd.nextInt(3), leaderLast - p.next() + 1);
              p.onAppendSent(n, p.next() - 1 + n, n);
            }
          }
          case 2 ->
              p.onAppendAck(Math.max(0, Math.min(p.next() - 1, p.match() + rnd.nextInt(6) - 2)));
          case 3 -> p.onAppendReject(p.next() - 1 - rnd.nextInt(2), rnd.nextInt((int) p.next()));
          case 4 -> p.onHeartbeatResponse();
          case 5 -> {
            if (p.state() == ProgressState.REPLICATE && rnd.nextInt(4) == 0)
              p.becomeSnapshot(p.match() + 3);
            else if (p.state() == ProgressState.SNAPSHOT) p.onSnapshotReported(rnd.nextBoolean());
          }
          default -> {
            if (p.state() == ProgressState.REPLICATE) p.becomeProbe();
          }
        }
        assertTrue(p.match() < p.next(), where);
        assertTrue(p.match() >= prevMatch, where);
        if (p.state() != ProgressState.REPLICATE) assertEquals(0, p.inflights().count(), where);
        prevMatch = p.match();
        leaderLast += rnd.nextInt(2);
      }
    }
  }
}
