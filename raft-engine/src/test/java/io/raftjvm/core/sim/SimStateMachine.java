package io.raftjvm.core.sim;

import io.raftjvm.statemachine.CommittedEntry;
import io.raftjvm.statemachine.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulation's state machine: it keeps every command it applied (index, term, data), answers
 * each with its index, and a query with the index of the last command applied. Its snapshot is
 * the whole list, so a restored replica can be compared entry by entry with the committed log.
 */
final class SimStateMachine implements StateMachine {
  record Applied(long index, long term, byte[] data) {}

  final List<Applied> commands = new ArrayList<>();

  @Override
  public List<byte[]> apply(List<CommittedEntry> entries) {
    List<byte[]> out = new ArrayList<>(entries.size());
    for (CommittedEntry e : entries) {
      long last = commands.isEmpty() ? 0 : commands.get(commands.size() - 1).index();
      if (e.index() <= last) throw new IllegalStateException("applies " + e.index() + " after " + last);
      commands.add(new Applied(e.index(), e.term(), e.data()));
      out.add(ByteBuffer.allocate(8).putLong(e.index()).array());
    }
    return out;
  }

  @Override
  public byte[] query(byte[] query) {
    return ByteBuffer.allocate(8).putLong(lastApplied()).array();
  }

  @Override
  public long lastApplied() {
    return commands.isEmpty() ? 0 : commands.get(commands.size() - 1).index();
  }

  @Override
  public void snapshot(OutputStream out) throws IOException {
    DataOutputStream d = new DataOutputStream(out);
    d.writeInt(commands.size());
    for (Applied a : commands) {
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
    int n = d.readInt();
    for (int i = 0; i < n; i++) {
      long index = d.readLong();
      long term = d.readLong();
      byte[] data = new byte[d.readInt()];
      d.readFully(data);
      commands.add(new Applied(index, term, data));
    }
  }
}
