package ${package};

import io.raftjvm.statemachine.StateMachine;
import io.raftjvm.statemachine.StateMachineContext;
import io.raftjvm.statemachine.StateMachineProvider;

/** Found by the servers through META-INF/services; selected with raft.state-machine = "${stateMachineName}". */
public final class KvProvider implements StateMachineProvider {
  public static final String NAME = "${stateMachineName}";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StateMachine create(StateMachineContext context) {
    return new KvStateMachine();
  }
}
