package io.raftjvm.statemachine.testing;

import io.raftjvm.statemachine.CommittedEntry;
import io.raftjvm.statemachine.StateMachine;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The tests' state machine: remembers every command applied, in order (readable from any thread),
 * answers each with result(entry), and answers queries with the number of commands applied. A
 * command equal to failOn makes it throw, as a failing disk or a bug would on one replica. Keeps no
 * snapshot state.
 */
public final class RecordingStateMachine implements StateMachine {
  public final List<String> applied = new CopyOnWriteArrayList<>();

  /** Commands applied ("apply X") and events, in the order the state machine saw them. */
  public final List<String> journal = new CopyOnWriteArrayList<>();

  private final Function<CommittedEntry, byte[]> result;
  private final String failOn;
  private volatile long last;

  /**
   * A state machine answering each command with result(entry).
   *
   * @param failOn a command that makes apply throw, or null
   */
  public RecordingStateMachine(Function<CommittedEntry, byte[]> result, String failOn) {
    this.result = result;
    this.failOn = failOn;
  }

  /** The command as text. */
  public static String text(CommittedEntry e) {
    return new String(e.data(), StandardCharsets.UTF_8);
  }

  @Override
  public List<byte[]> apply(List<CommittedEntry> entries) {
    List<byte[]> out = new ArrayList<>(entries.size());
    for (CommittedEntry e : entries) {
      String command = text(e);
      if (command.equals(failOn)) throw new IllegalStateException("told to fail at " + e.index());
      applied.add(command);
      journal.add("apply " + command);
      last = e.index();
      out.add(result.apply(e));
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
  public void opened(long lastApplied) {
    journal.add("opened " + lastApplied);
  }

  @Override
  public void leaderChanged(long term, long leaderId, boolean leads) {
    journal.add("leader " + leaderId + (leads ? " (this node)" : "") + " in term " + term);
  }

  @Override
  public void configurationChanged(List<Long> voters, List<Long> learners) {
    journal.add("configuration voters " + voters + " learners " + learners);
  }

  @Override
  public void snapshot(OutputStream out) {}

  @Override
  public void restore(InputStream in) {}
}
