package ${package};

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
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A replicated key-value map. Commands (UTF-8): "put KEY VALUE" and "del KEY", each answered with
 * the previous value ("" when none); "?" for anything else, never an exception (an exception stops
 * the server). Queries: "get KEY".
 *
 * <p>Deterministic: the result and the new state depend only on the command and the state. The map
 * is sorted, so snapshots are the same bytes on every replica. Apply runs on one thread; queries
 * may come from others, hence a concurrent map.
 */
final class KvStateMachine implements StateMachine {
  private final ConcurrentSkipListMap<String, String> map = new ConcurrentSkipListMap<>();
  private volatile long lastApplied;

  @Override
  public List<byte[]> apply(List<CommittedEntry> entries) {
    List<byte[]> results = new ArrayList<>(entries.size());
    for (CommittedEntry e : entries) {
      String[] words = new String(e.data(), StandardCharsets.UTF_8).split(" ", 3);
      String previous;
      if (words[0].equals("put") && words.length == 3) {
        previous = map.put(words[1], words[2]);
      } else if (words[0].equals("del") && words.length == 2) {
        previous = map.remove(words[1]);
      } else {
        previous = "?";
      }
      results.add((previous == null ? "" : previous).getBytes(StandardCharsets.UTF_8));
      lastApplied = e.index();
    }
    return results;
  }

  @Override
  public byte[] query(byte[] query) {
    String q = new String(query, StandardCharsets.UTF_8);
    String value = q.startsWith("get ") ? map.get(q.substring(4)) : null;
    return (value == null ? "" : value).getBytes(StandardCharsets.UTF_8);
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
    for (Map.Entry<String, String> e : map.entrySet()) {
      d.writeUTF(e.getKey());
      d.writeUTF(e.getValue());
    }
    d.flush();
  }

  @Override
  public void restore(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    long applied = d.readLong();
    map.clear();
    for (int n = d.readInt(); n > 0; n--) {
      String key = d.readUTF();
      map.put(key, d.readUTF());
    }
    lastApplied = applied;
  }
}
