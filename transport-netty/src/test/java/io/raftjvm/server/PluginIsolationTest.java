package io.raftjvm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.statemachine.CommittedEntry;
import io.raftjvm.statemachine.StateMachine;
import io.raftjvm.statemachine.StateMachineContext;
import io.raftjvm.statemachine.StateMachineProvider;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each plugin has a class loader of its own: a plugin that carries its own version of a library the
 * server uses (here a {@code com.google.protobuf.ByteString} of its own) gets its version, and sees
 * nothing of the server but the JDK, the SPI and slf4j.
 */
@DisplayName("Plugin isolation: a class loader per plugin")
class PluginIsolationTest {
  @TempDir Path tmp;

  /** A "library" with the name of a class the server has, and a method the server's lacks. */
  private static final String CONFLICTING =
      """
      package com.google.protobuf;

      public final class ByteString {
        public static String origin() { return "the plugin's own ByteString"; }
      }
      """;

  private static final String PROVIDER =
      """
      package com.example.iso;

      import io.raftjvm.statemachine.*;
      import java.io.*;
      import java.nio.charset.StandardCharsets;
      import java.util.*;

      public final class IsoProvider implements StateMachineProvider {
        @Override public String name() { return "isolated"; }
        @Override public StateMachine create(StateMachineContext c) {
          return new StateMachine() {
            long last;
            @Override public List<byte[]> apply(List<CommittedEntry> entries) {
              List<byte[]> out = new ArrayList<>();
              for (CommittedEntry e : entries) {
                last = e.index();
                String seen = com.google.protobuf.ByteString.origin()
                    + "; netty " + (visible("io.netty.channel.Channel") ? "visible" : "hidden")
                    + "; slf4j " + (visible("org.slf4j.LoggerFactory") ? "visible" : "hidden");
                out.add(seen.getBytes(StandardCharsets.UTF_8));
              }
              return out;
            }
            private boolean visible(String name) {
              try {
                Class.forName(name, false, IsoProvider.class.getClassLoader());
                return true;
              } catch (ClassNotFoundException e) {
                return false;
              }
            }
            @Override public byte[] query(byte[] q) { return new byte[0]; }
            @Override public long lastApplied() { return last; }
            @Override public void snapshot(OutputStream out) {}
            @Override public void restore(InputStream in) {}
          };
        }
      }
      """;

  /** plugins/isolated/ holding the provider's jar and its library's jar. */
  private Path pluginDirectory() throws Exception {
    Path plugins = tmp.resolve("plugins");
    Path lib =
        PluginJars.build(
            tmp.resolve("lib-build"),
            plugins.resolve("isolated/conflicting-lib.jar"),
            Map.of("com.google.protobuf.ByteString", CONFLICTING),
            null);
    PluginJars.build(
        tmp.resolve("plugin-build"),
        plugins.resolve("isolated/iso-plugin.jar"),
        Map.of("com.example.iso.IsoProvider", PROVIDER),
        "com.example.iso.IsoProvider",
        lib);
    return plugins;
  }

  private static String applyOne(StateMachineProvider p, Path dir) throws Exception {
    StateMachine sm = p.create(new StateMachineContext(1, dir, Map.of(), System.getLogger("test")));
    byte[] r = sm.apply(List.of(new CommittedEntry(1, 1, new byte[] {1}))).get(0);
    return new String(r, StandardCharsets.UTF_8);
  }

  @Test
  void aPluginUsesItsOwnVersionOfALibraryTheServerHas() throws Exception {
    Path plugins = pluginDirectory();
    StateMachineProvider p = StateMachines.find("isolated", plugins);
    assertEquals(
        "the plugin's own ByteString; netty hidden; slf4j visible",
        applyOne(p, Files.createDirectories(tmp.resolve("sm"))));
    assertTrue(
        StateMachines.origin(p).endsWith("iso-plugin.jar"),
        "the log names the jar: " + StateMachines.origin(p));
  }

  /** The same plugin under a loader that asks the server first breaks on the server's class. */
  @Test
  void withoutIsolationTheServersClassWins() throws Exception {
    Path plugins = pluginDirectory();
    URL[] jars = {
      plugins.resolve("isolated/iso-plugin.jar").toUri().toURL(),
      plugins.resolve("isolated/conflicting-lib.jar").toUri().toURL()
    };
    try (URLClassLoader parentFirst =
        new URLClassLoader(jars, PluginIsolationTest.class.getClassLoader())) {
      StateMachineProvider p =
          ServiceLoader.load(StateMachineProvider.class, parentFirst).stream()
              .map(ServiceLoader.Provider::get)
              .filter(x -> x.name().equals("isolated"))
              .findFirst()
              .orElseThrow();
      assertThrows(
          NoSuchMethodError.class,
          () -> applyOne(p, Files.createDirectories(tmp.resolve("sm2"))),
          "the server's ByteString has no origin(): the plugin's call fails");
    }
  }

  @Test
  void providersOnTheServersClasspathAreStillFound() {
    StateMachineProvider p = StateMachines.find("it-list", tmp.resolve("no-plugins-here"));
    assertEquals(ListStateMachineProvider.class, p.getClass());
  }
}
