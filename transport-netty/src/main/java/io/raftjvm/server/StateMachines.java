package io.raftjvm.server;

import io.raftjvm.statemachine.StateMachineProvider;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * Finds the configured {@link StateMachineProvider}: on the server's classpath and in every jar of
 * the plugins directory (a class loader over those jars, child of the server's).
 */
final class StateMachines {
  private StateMachines() {}

  /**
   * The provider named name; a ConfigException listing what was found when none or several match.
   */
  static StateMachineProvider find(String name, Path pluginsDir) {
    ClassLoader loader = pluginLoader(pluginsDir);
    List<StateMachineProvider> all = new ArrayList<>();
    try {
      ServiceLoader.load(StateMachineProvider.class, loader).forEach(all::add);
    } catch (java.util.ServiceConfigurationError e) {
      throw new ConfigException(
          "cannot load state machine providers: " + e.getMessage().replace('\n', ' '));
    }
    List<StateMachineProvider> matching = all.stream().filter(p -> name.equals(p.name())).toList();
    if (matching.size() == 1) return matching.get(0);
    List<String> found =
        all.stream().map(p -> p.name() + " (" + p.getClass().getName() + ")").toList();
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

  private static ClassLoader pluginLoader(Path dir) {
    ClassLoader parent = StateMachines.class.getClassLoader();
    if (!Files.isDirectory(dir)) return parent;
    List<URL> jars = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".jar")).sorted().toList())
        jars.add(p.toUri().toURL());
    } catch (MalformedURLException e) {
      throw new ConfigException("bad plugin path in " + dir + ": " + e.getMessage());
    } catch (IOException e) {
      throw new ConfigException("cannot list plugins directory " + dir + ": " + e.getMessage());
    }
    return jars.isEmpty()
        ? parent
        : new URLClassLoader("plugins", jars.toArray(URL[]::new), parent);
  }
}
