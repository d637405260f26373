package io.raftjvm.server;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.stream.Stream;

/**
 * One class loader per plugin, so that a plugin's own libraries (another protobuf, Netty or Jackson
 * version) never meet the server's. A plugin is a jar in the plugins directory, or a directory
 * {@code plugins/<name>/} holding the plugin's jar and its dependency jars. Its loader looks in its
 * own jars first for everything but the JDK and the plugin API: the state machine SPI ({@code
 * io.raftjvm.statemachine}) and slf4j ({@code org.slf4j}) come from the server, so that the server
 * and the plugin agree on those types and the plugin logs where the server does.
 */
final class PluginClassLoaders {
  /** Packages a plugin sees from the server. */
  private static final List<String> SHARED = List.of("io.raftjvm.statemachine.", "org.slf4j.");

  private PluginClassLoaders() {}

  /** A plugin found in the plugins directory: what it is called and its loader. */
  record Plugin(String name, ClassLoader loader) {}

  /** The plugins in dir, each with its own loader; none when dir does not exist. */
  static List<Plugin> load(Path dir) {
    List<Plugin> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) return out;
    ClassLoader api = new ApiOnly(PluginClassLoaders.class.getClassLoader());
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path p : entries.sorted().toList()) {
        List<URL> jars = new ArrayList<>();
        if (Files.isDirectory(p)) {
          try (Stream<Path> inside = Files.list(p)) {
            for (Path j : inside.filter(PluginClassLoaders::isJar).sorted().toList())
              jars.add(url(j));
          }
        } else if (isJar(p)) {
          jars.add(url(p));
        }
        if (jars.isEmpty()) continue;
        String name = p.getFileName().toString();
        out.add(
            new Plugin(name, new URLClassLoader("plugin " + name, jars.toArray(URL[]::new), api)));
      }
    } catch (IOException e) {
      throw new ConfigException("cannot list plugins directory " + dir + ": " + e.getMessage());
    }
    return out;
  }

  private static boolean isJar(Path p) {
    return Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar");
  }

  private static URL url(Path p) {
    try {
      return p.toUri().toURL();
    } catch (MalformedURLException e) {
      throw new ConfigException("bad plugin path " + p + ": " + e.getMessage());
    }
  }

  /**
   * The parent of every plugin loader: the JDK (platform classes), plus the shared packages from
   * the server's loader. Nothing else of the server is visible, classes or resources.
   */
  static final class ApiOnly extends ClassLoader {
    private final ClassLoader server;

    ApiOnly(ClassLoader server) {
      super("plugin-api", ClassLoader.getPlatformClassLoader());
      this.server = server;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      for (String prefix : SHARED) {
        if (name.startsWith(prefix)) return server.loadClass(name);
      }
      throw new ClassNotFoundException(name);
    }

    @Override
    protected URL findResource(String name) {
      return null;
    }

    @Override
    protected Enumeration<URL> findResources(String name) {
      return Collections.emptyEnumeration();
    }
  }
}
