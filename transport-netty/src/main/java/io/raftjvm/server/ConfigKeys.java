package io.raftjvm.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Refuses keys under {@code raft} that no setting reads (a misspelt {@code elektion-ticks} would
 * otherwise be ignored and its default used), naming the key and the closest known one. The known
 * keys are those of {@code reference.conf}, the required ones that have no default, and the fields
 * of a {@code raft.peers} entry; {@code raft.state-machine-config} belongs to the state machine and
 * is not checked.
 */
final class ConfigKeys {
  private ConfigKeys() {}

  /** Keys with no default in reference.conf. */
  private static final List<String> REQUIRED = List.of("raft.node-id", "raft.data-dir");

  private static final String PLUGIN_SECTION = "raft.state-machine-config";
  private static final Set<String> PEER_FIELDS =
      Set.of("id", "peer-address", "client-address", "http-address");

  /** Throws a ConfigException naming the first unknown key of c, if any. */
  static void check(Config c, Config reference) {
    Set<String> known = new TreeSet<>(REQUIRED);
    for (Map.Entry<String, ConfigValue> e : reference.getConfig("raft").entrySet()) {
      known.add("raft." + e.getKey());
    }
    if (!c.hasPath("raft")) return;
    Set<String> leaves = new TreeSet<>();
    for (Map.Entry<String, ConfigValue> e : c.getConfig("raft").entrySet()) leaves.add(e.getKey());
    for (String leaf : leaves) {
      String key = "raft." + leaf;
      if (known.contains(key) || key.startsWith(PLUGIN_SECTION + ".")) continue;
      throw unknown(key, known);
    }
    if (c.hasPath("raft.peers") && c.getValue("raft.peers").valueType() == ConfigValueType.LIST) {
      List<? extends ConfigValue> peers = c.getList("raft.peers");
      for (int i = 0; i < peers.size(); i++) {
        if (!(peers.get(i) instanceof com.typesafe.config.ConfigObject o)) continue;
        for (String field : new TreeSet<>(o.keySet())) {
          if (!PEER_FIELDS.contains(field)) {
            throw unknown("raft.peers[" + i + "]." + field, PEER_FIELDS, "raft.peers[" + i + "].");
          }
        }
      }
    }
  }

  private static ConfigException unknown(String key, Set<String> known) {
    return unknown(key, known, "");
  }

  private static ConfigException unknown(String key, Set<String> known, String prefix) {
    String field = key.substring(prefix.length());
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(field, k);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    String hint =
        best != null && bestDistance <= Math.max(3, field.length() / 3)
            ? " (did you mean " + prefix + best + "?)"
            : "";
    return new ConfigException("bad config: unknown key " + key + hint);
  }

  /** Levenshtein distance. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
