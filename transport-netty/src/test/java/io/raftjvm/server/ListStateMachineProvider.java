package io.raftjvm.server;

import io.raftjvm.statemachine.StateMachine;
import io.raftjvm.statemachine.StateMachineContext;
import io.raftjvm.statemachine.StateMachineProvider;
import io.raftjvm.statemachine.testing.RecordingStateMachine;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A test state machine that records every command; the test reads the instances by node id. */
public final class ListStateMachineProvider implements StateMachineProvider {
  /** The latest instance created for each node. */
  static final Map<Long, RecordingStateMachine> INSTANCES = new ConcurrentHashMap<>();

  @Override
  public String name() {
    return "it-list";
  }

  @Override
  public StateMachine create(StateMachineContext context) {
    // Answers "ok:INDEX"; the command "fail-on-ID" makes the instance of node ID throw (on that
    // node only: a failing disk or bug, not a deterministic refusal).
    RecordingStateMachine sm =
        new RecordingStateMachine(
            e -> ("ok:" + e.index()).getBytes(StandardCharsets.UTF_8),
            "fail-on-" + context.nodeId());
    INSTANCES.put(context.nodeId(), sm);
    return sm;
  }
}
