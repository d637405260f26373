package io.raftjvm.server;

import io.raftjvm.statemachine.StateMachineProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Finds the configured {@link StateMachineProvider}: on the server's classpath and in the plugins
 * directory, each plugin with a class loader of its own ({@link PluginClassLoaders}). Logs which
 * jar the chosen provider came from.
 */
final class StateMachines {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(StateMachines.class);

  private StateMachines() {}

  /**
   * The provider named name; a ConfigException listing what was found when none or several match.
   */
  static StateMachineProvider find(String name, Path pluginsDir) {
    List<StateMachineProvider> all = new ArrayList<>();
    load(StateMachines.class.getClassLoader(), "the classpath", all);
    for (PluginClassLoaders.Plugin p : PluginClassLoaders.load(pluginsDir)) {
      load(p.loader(), pluginsDir.resolve(p.name()).toString(), all);
    }
    List<StateMachineProvider> matching = all.stream().filter(p -> name.equals(p.name())).toList();
    if (matching.size() == 1) {
      StateMachineProvider chosen = matching.get(0);
      LOG.info("state machine '{}': {} from {}", name, chosen.getClass().getName(), origin(chosen));
      return chosen;
    }
    List<String> found =
        all.stream()
            .map(p -> p.name() + " (" + p.getClass().getName() + ") from " + origin(p))
            .toList();
    if (matching.isEmpty()) {
      throw new ConfigException(
          "bad config: raft.state-machine: no provider named '"
              + name
              + "' on the classpath or in "
              + pluginsDir
              + "; found "
              + (found.isEmpty() ? "none" : String.join(", ", found)));
    }
    throw new ConfigException(
        "bad config: raft.state-machine: "
            + matching.size()
            + " providers are named '"
            + name
            + "': "
            + String.join(", ", found));
  }

  /** The providers loader itself declares (not its parents'), added to into. */
  private static void load(ClassLoader loader, String where, List<StateMachineProvider> into) {
    try {
      for (StateMachineProvider p : ServiceLoader.load(StateMachineProvider.class, loader)) {
        if (into.stream().noneMatch(q -> q.getClass() == p.getClass())) into.add(p);
      }
    } catch (java.util.ServiceConfigurationError e) {
      throw new ConfigException(
          "cannot load state machine providers from "
              + where
              + ": "
              + e.getMessage().replace('\n', ' '));
    }
  }

  /** The jar (or directory) a provider's class came from. */
  static String origin(StateMachineProvider p) {
    java.security.CodeSource src = p.getClass().getProtectionDomain().getCodeSource();
    return src == null || src.getLocation() == null ? "the JDK" : src.getLocation().getPath();
  }
}
