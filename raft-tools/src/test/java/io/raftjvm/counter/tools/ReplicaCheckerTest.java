package io.raftjvm.counter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Waiting for the replicas to settle on the leader's value. */
class ReplicaCheckerTest {
  /** A replica that reaches {@code target} after {@code lag} reads. */
  private static ReplicaChecker.Reader lagging(String address, long target, int lag) {
    AtomicInteger reads = new AtomicInteger();
    return new ReplicaChecker.Reader() {
      @Override
      public String address() {
        return address;
      }

      @Override
      public long value() {
        int n = reads.incrementAndGet();
        return n > lag ? target : target - (lag - n) - 1;
      }
    };
  }

  @Test
  void waitsForLaggingReplicas() throws Exception {
    ReplicaChecker.Observation o =
        ReplicaChecker.await(
            () -> 50L,
            List.of(lagging("a:1", 50, 0), lagging("b:2", 50, 3), lagging("c:3", 50, 5)),
            Duration.ofSeconds(30),
            Duration.ofMillis(1));
    assertTrue(o.settled());
    assertEquals(50L, o.leader());
    assertEquals(List.of(50L, 50L, 50L), o.replicas().stream().map(r -> r.value()).toList());
  }

  @Test
  void aChangingLeaderIsWaitedFor() throws Exception {
    AtomicInteger round = new AtomicInteger();
    ReplicaChecker.Observation o =
        ReplicaChecker.await(
            () -> (long) Math.min(round.incrementAndGet(), 4),
            List.of(
                new ReplicaChecker.Reader() {
                  @Override
                  public String address() {
                    return "a:1";
                  }

                  @Override
                  public long value() {
                    return Math.min(round.get(), 4);
                  }
                }),
            Duration.ofSeconds(30),
            Duration.ofMillis(1));
    assertTrue(o.settled());
    assertEquals(4L, o.leader());
    assertTrue(round.get() >= 5, "two equal rounds at 4");
  }

  /**
   * A replica down for its first reads is checked once it answers; the wait does not end before.
   */
  private static ReplicaChecker.Reader downFor(String address, long value, int failedReads) {
    AtomicInteger reads = new AtomicInteger();
    return new ReplicaChecker.Reader() {
      @Override
      public String address() {
        return address;
      }

      @Override
      public long value() throws IOException {
        if (reads.incrementAndGet() <= failedReads) throw new IOException("connection refused");
        return value;
      }
    };
  }

  @Test
  void aStoppedReplicaIsCheckedOnceItIsBack() throws Exception {
    ReplicaChecker.Observation o =
        ReplicaChecker.await(
            () -> 50L,
            List.of(lagging("a:1", 50, 0), downFor("b:2", 50, 10)),
            Duration.ofSeconds(30),
            Duration.ofMillis(1));
    assertTrue(o.settled());
    assertEquals(50L, o.replicas().get(1).value(), "read once it answered");
  }

  @Test
  void aReplicaThatNeverAnswersLeavesTheOthersSettled() throws Exception {
    ReplicaChecker.Observation o =
        ReplicaChecker.await(
            () -> 50L,
            List.of(lagging("a:1", 50, 0), downFor("b:2", 50, Integer.MAX_VALUE)),
            Duration.ofMillis(200),
            Duration.ofMillis(5));
    assertTrue(o.settled(), "the replicas that answered settled");
    assertNull(o.replicas().get(1).value());
    assertEquals("connection refused", o.replicas().get(1).error());
  }

  @Test
  void aStuckReplicaEndsTheWaitUnsettled() throws Exception {
    ReplicaChecker.Observation o =
        ReplicaChecker.await(
            () -> 50L,
            List.of(lagging("a:1", 50, 0), lagging("b:2", 49, 0)),
            Duration.ofMillis(200),
            Duration.ofMillis(5));
    assertFalse(o.settled());
    assertEquals(49L, o.replicas().get(1).value());
  }

  @Test
  void unreadableReplicasAndLeaderAreReported() throws Exception {
    ReplicaChecker.Observation o =
        ReplicaChecker.await(
            () -> {
              throw new IllegalStateException("no leader");
            },
            List.of(
                new ReplicaChecker.Reader() {
                  @Override
                  public String address() {
                    return "a:1";
                  }

                  @Override
                  public long value() throws IOException {
                    throw new IOException("cannot connect to a:1");
                  }
                }),
            Duration.ofMillis(50),
            Duration.ofMillis(5));
    assertFalse(o.settled());
    assertNull(o.leader());
    assertEquals("no leader", o.leaderError());
    assertEquals("cannot connect to a:1", o.replicas().get(0).error());
  }
}
