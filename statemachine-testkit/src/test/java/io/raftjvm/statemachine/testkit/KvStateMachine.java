package io.raftjvm.statemachine.testkit;

import io.raftjvm.statemachine.CommittedEntry;
import io.raftjvm.statemachine.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A correct key-value state machine: "put K V" and "del K" return the previous value, "get K"
 * queries. Variants plant the mistakes the test kit must catch.
 */
class KvStateMachine implements StateMachine {
  /** The state; the variants replace it. */
  Map<Object, String> map = new TreeMap<>();

  long lastApplied;

  /** Wraps a key; the identity-ordered variant uses a key without hashCode. */
  Object key(String k) {
    return k;
  }

  String result(String previous) {
    return previous == null ? "" : previous;
  }

  @Override
  public List<byte[]> apply(List<CommittedEntry> entries) {
    List<byte[]> out = new ArrayList<>(entries.size());
    for (CommittedEntry e : entries) {
      String[] w = new String(e.data(), StandardCharsets.UTF_8).split(" ", 3);
      String previous =
          switch (w[0]) {
            case "put" -> put(w[1], w.length > 2 ? w[2] : "");
            case "del" -> remove(w[1]);
            default -> "?";
          };
      out.add(result(previous).getBytes(StandardCharsets.UTF_8));
      lastApplied = e.index();
    }
    return out;
  }

  private String put(String k, String v) {
    for (Map.Entry<Object, String> e : map.entrySet()) {
      if (e.getKey().toString().equals(k)) return e.setValue(v);
    }
    map.put(key(k), v);
    return null;
  }

  String remove(String k) {
    for (var it = map.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (e.getKey().toString().equals(k)) {
        // Read before removing: TreeMap's remove may reuse the entry for its successor (the test
        // kit caught exactly that as a difference between replicas whose trees had other shapes).
        String previous = e.getValue();
        it.remove();
        return previous;
      }
    }
    return null;
  }

  @Override
  public byte[] query(byte[] query) {
    String k = new String(query, StandardCharsets.UTF_8).substring("get ".length());
    for (Map.Entry<Object, String> e : map.entrySet()) {
      if (e.getKey().toString().equals(k)) return e.getValue().getBytes(StandardCharsets.UTF_8);
    }
    return new byte[0];
  }

  @Override
  public long lastApplied() {
    return lastApplied;
  }

  @Override
  public void snapshot(OutputStream out) throws IOException {
    DataOutputStream d = new DataOutputStream(out);
    d.writeLong(lastApplied);
    d.writeInt(map.size());
    for (Map.Entry<Object, String> e : map.entrySet()) {
      d.writeUTF(e.getKey().toString());
      d.writeUTF(e.getValue());
    }
    d.flush();
  }

  @Override
  public void restore(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    lastApplied = d.readLong();
    map.clear();
    for (int n = d.readInt(); n > 0; n--) map.put(key(d.readUTF()), d.readUTF());
  }
}
