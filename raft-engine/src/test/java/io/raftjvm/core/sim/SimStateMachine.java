package io.raftjvm.core.sim;

import io.raftjvm.statemachine.CommittedEntry;
import io.raftjvm.statemachine.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The simulation's state machine: a counter that the clients' adds increment (a command {@code
 * add:<process>:<sequence>} adds one and returns the new value), and a record of every command it
 * applied (index, term, data), so that a replica, restored from a snapshot or not, can be compared
 * entry by entry with the committed log. Other commands (the scenarios' {@code cmd-N}) leave the
 * counter alone and return their index. A query returns the counter and the last index applied.
 *
 * <p>An add applied a second time (a retry the sessions failed to catch) is noted in {@link
 * #duplicates} rather than thrown: the applier would take an exception for a state machine failure.
 */
final class SimStateMachine implements StateMachine {
  record AppliedCommand(long index, long term, byte[] data) {}

  final List<AppliedCommand> commands = new ArrayList<>();

  /** Adds applied: tag -> position in commands. */
  final Map<String, Integer> adds = new HashMap<>();

  long counter;

  /** Adds applied twice, with where. */
  final List<String> duplicates = new ArrayList<>();

  /** Told of each add this replica applies for the first time, with its result. */
  java.util.function.BiConsumer<String, Long> onAdd = (tag, result) -> {};

  /** Index of the entry being applied (for reports). */
  long applying;

  static byte[] add(int process, long sequence) {
    return ("add:" + process + ":" + sequence).getBytes(StandardCharsets.UTF_8);
  }

  static String tagOf(byte[] data) {
    String s = new String(data, StandardCharsets.UTF_8);
    return s.startsWith("add:") ? s : null;
  }

  @Override
  public List<byte[]> apply(List<CommittedEntry> entries) {
    List<byte[]> out = new ArrayList<>(entries.size());
    for (CommittedEntry e : entries) {
      long last = lastApplied();
      if (e.index() <= last)
        throw new IllegalStateException("applies " + e.index() + " after " + last);
      String tag = tagOf(e.data());
      if (tag != null) {
        Integer before = adds.putIfAbsent(tag, commands.size());
        if (before != null) {
          duplicates.add(
              tag + " at index " + e.index() + ", first at " + commands.get(before).index());
        }
        counter++;
        applying = e.index();
        if (before == null) onAdd.accept(tag, counter);
        out.add(value(counter));
      } else {
        out.add(value(e.index()));
      }
      commands.add(new AppliedCommand(e.index(), e.term(), e.data()));
    }
    return out;
  }

  static byte[] value(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  /** The counter, then the index of the last command applied. */
  @Override
  public byte[] query(byte[] query) {
    return ByteBuffer.allocate(16).putLong(counter).putLong(lastApplied()).array();
  }

  @Override
  public long lastApplied() {
    return commands.isEmpty() ? 0 : commands.get(commands.size() - 1).index();
  }

  @Override
  public void snapshot(OutputStream out) throws IOException {
    DataOutputStream d = new DataOutputStream(out);
    d.writeLong(counter);
    d.writeInt(commands.size());
    for (AppliedCommand a : commands) {
      d.writeLong(a.index());
      d.writeLong(a.term());
      d.writeInt(a.data().length);
      d.write(a.data());
    }
    d.flush();
  }

  @Override
  public void restore(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    commands.clear();
    adds.clear();
    counter = d.readLong();
    int n = d.readInt();
    for (int i = 0; i < n; i++) {
      long index = d.readLong();
      long term = d.readLong();
      byte[] data = new byte[d.readInt()];
      d.readFully(data);
      String tag = tagOf(data);
      if (tag != null) adds.putIfAbsent(tag, commands.size());
      commands.add(new AppliedCommand(index, term, data));
    }
  }
}
