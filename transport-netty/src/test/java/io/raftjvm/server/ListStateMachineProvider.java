package io.raftjvm.server;

import io.raftjvm.statemachine.CommittedEntry;
import io.raftjvm.statemachine.StateMachine;
import io.raftjvm.statemachine.StateMachineContext;
import io.raftjvm.statemachine.StateMachineProvider;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A test state machine that records every command; the test reads the instances by node id. */
public final class ListStateMachineProvider implements StateMachineProvider {
  /** The latest instance created for each node. */
  static final Map<Long, ListStateMachine> INSTANCES = new ConcurrentHashMap<>();

  @Override
  public String name() {
    return "it-list";
  }

  @Override
  public StateMachine create(StateMachineContext context) {
    ListStateMachine sm = new ListStateMachine(context.nodeId());
    INSTANCES.put(context.nodeId(), sm);
    return sm;
  }

  /**
   * Applied commands, in order; answers "ok:INDEX". The command "fail-on-ID" makes the instance of
   * node ID throw (on that node only: a failing disk or bug, not a deterministic refusal).
   */
  static final class ListStateMachine implements StateMachine {
    final List<String> applied = new CopyOnWriteArrayList<>();
    private final long nodeId;
    private volatile long last;

    ListStateMachine(long nodeId) {
      this.nodeId = nodeId;
    }

    @Override
    public List<byte[]> apply(List<CommittedEntry> entries) {
      List<byte[]> out = new ArrayList<>(entries.size());
      for (CommittedEntry e : entries) {
        String command = new String(e.data(), StandardCharsets.UTF_8);
        if (command.equals("fail-on-" + nodeId))
          throw new IllegalStateException("told to fail at " + e.index());
        applied.add(command);
        last = e.index();
        out.add(("ok:" + e.index()).getBytes(StandardCharsets.UTF_8));
      }
      return out;
    }

    @Override
    public byte[] query(byte[] query) {
      return String.valueOf(applied.size()).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public long lastApplied() {
      return last;
    }

    @Override
    public void snapshot(OutputStream out) {}

    @Override
    public void restore(InputStream in) {}
  }
}
