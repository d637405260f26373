package io.raftjvm.server;

import com.typesafe.config.ConfigValue;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The state machine: {@code raft.state-machine} (the provider's name), {@code
 * raft.state-machine-config} (handed to it as strings) and {@code raft.plugins-dir} (where its jar
 * is).
 */
public record PluginConfig(String name, Map<String, String> settings, Path dir) {
  static PluginConfig parse(ConfigReader raft) {
    String name = raft.string("state-machine");
    if (name.isBlank()) throw raft.bad("state-machine", "must name a state machine provider");
    Map<String, String> settings = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigValue> e : raft.config("state-machine-config").entrySet()) {
      settings.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
    }
    return new PluginConfig(name, Map.copyOf(settings), raft.path("plugins-dir"));
  }
}
