package io.raftjvm.counter;

import io.raftjvm.statemachine.StateMachine;
import io.raftjvm.statemachine.StateMachineContext;
import io.raftjvm.statemachine.StateMachineProvider;
import java.lang.System.Logger.Level;

/**
 * Provides {@link CounterStateMachine}s under the name {@value #NAME} ({@code raft.state-machine =
 * "counter"}). Takes no settings; ignores (and warns about) any in {@code state-machine-config}.
 */
public final class CounterProvider implements StateMachineProvider {
  /** The name configurations select the counter by. */
  public static final String NAME = "counter";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StateMachine create(StateMachineContext context) {
    if (!context.config().isEmpty()) {
      context
          .logger()
          .log(
              Level.WARNING,
              "the counter takes no settings; ignoring state-machine-config keys {0}",
              context.config().keySet());
    }
    context
        .logger()
        .log(
            Level.DEBUG,
            "counter for node {0}: in memory, rebuilt from the log at start",
            String.valueOf(context.nodeId()));
    return new CounterStateMachine();
  }
}
