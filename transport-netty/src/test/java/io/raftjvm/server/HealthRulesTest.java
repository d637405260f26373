package io.raftjvm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.raftjvm.core.RaftNode;
import io.raftjvm.core.Role;
import io.raftjvm.proto.ConfState;
import io.raftjvm.runtime.StateMachineFailedException;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Each health rule passes a healthy node and names the problem of an unhealthy one. */
@DisplayName("Health checks: what makes a server not live or not ready")
class HealthRulesTest {
  private static final ConfState CONF =
      ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(3).build();

  private static RaftNode.Status status(long id, long lead, long commit, long applied) {
    return new RaftNode.Status(
        id, 5, 0, lead, Role.FOLLOWER, commit, applied, 1, commit, CONF, Map.of());
  }

  @Test
  void aWorkingNodeIsLive() {
    assertNull(HealthRules.liveProblem(null, 0, 0, 5, 10_000));
    assertNull(HealthRules.liveProblem(null, 0, 10_000, 5, 10_000), "at the limit still live");
  }

  @Test
  void aFailedNodeIsNotLiveAndSaysWhenAndWhy() {
    assertEquals(
        "node failed at 2026-12-04T07:00:00Z: the state machine threw applying entries 7..9:"
            + " java.lang.IllegalStateException: boom",
        HealthRules.liveProblem(
            new StateMachineFailedException(7, 9, new IllegalStateException("boom")),
            1796367600000L,
            0,
            0,
            10_000));
  }

  @Test
  void aLogWriteStuckPastTheBoundIsNotLive() {
    assertEquals(
        "a log write has waited 10001 ms (limit 10000 ms): the disk is stuck",
        HealthRules.liveProblem(null, 0, 10_001, 5, 10_000));
  }

  @Test
  void aLoopThatStoppedTickingIsNotLive() {
    assertEquals(
        "the node's loop has not ticked for 10001 ms",
        HealthRules.liveProblem(null, 0, 0, 10_001, 1_000));
    assertNull(HealthRules.liveProblem(null, 0, 0, 9_999, 1_000));
  }

  @Test
  void aMemberThatKnowsItsLeaderAndHasAppliedIsReady() {
    assertNull(HealthRules.readyProblem(status(2, 1, 100, 100), false, 1000));
    assertNull(HealthRules.readyProblem(status(2, 1, 1100, 100), false, 1000), "at the limit");
  }

  @Test
  void eachReasonNotToBeReadyIsNamed() {
    assertEquals(
        "the node did not answer within 2000 ms", HealthRules.readyProblem(null, false, 1000));
    assertEquals(
        "removed from the cluster's configuration",
        HealthRules.readyProblem(status(2, 1, 100, 100), true, 1000));
    assertEquals(
        "not a member of the configuration yet (waiting to be added)",
        HealthRules.readyProblem(status(4, 1, 100, 100), false, 1000));
    assertEquals("no leader known", HealthRules.readyProblem(status(2, 0, 100, 100), false, 1000));
    assertEquals(
        "applied index 100 trails commit index 1101 by 1001 entries (limit 1000)",
        HealthRules.readyProblem(status(2, 1, 1101, 100), false, 1000));
  }
}
