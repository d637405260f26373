package io.raftjvm.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The core ({@code io.raftjvm.core..}) stays pure: no threads, locks, clocks, I/O or randomness of
 * its own, so that it is deterministic and the simulation can replay it. Checked on the compiled
 * classes (what they reference) and on the sources (the {@code synchronized} keyword).
 */
@DisplayName("The core has no thread, clock, lock or I/O use")
class CorePurityTest {
  /**
   * Classes (exact internal names, nested classes included) and packages (ending in '/') the core
   * must not reference, as a class or inside a type descriptor.
   */
  private static final List<String> BANNED_TYPES =
      List.of(
          "java/lang/Thread",
          "java/lang/ThreadLocal",
          "java/lang/Runtime",
          "java/lang/ProcessBuilder",
          "java/util/concurrent/",
          "java/util/Timer",
          "java/util/Random",
          "java/security/SecureRandom",
          "java/io/File",
          "java/io/InputStream",
          "java/io/OutputStream",
          "java/io/Reader",
          "java/io/Writer",
          "java/io/RandomAccessFile",
          "java/nio/file/",
          "java/nio/channels/",
          "java/net/",
          "java/time/",
          "io/netty/",
          "net/openhft/",
          "org/slf4j/");

  private static final Pattern DESCRIPTOR_CLASS = Pattern.compile("L([\\w/$]+);");
  private static final Pattern INTERNAL_NAME = Pattern.compile("[\\w$]+(/[\\w$]+)+");

  /** Calls banned in the core: clocks, global randomness, waiting. */
  private static final List<String> BANNED_CALLS =
      List.of(
          "java/lang/System.currentTimeMillis",
          "java/lang/System.nanoTime",
          "java/lang/Math.random",
          "java/lang/StrictMath.random",
          "java/lang/Object.wait",
          "java/lang/Object.notify",
          "java/lang/Object.notifyAll",
          "java/util/Random.<init>");

  private static final Pattern SYNCHRONIZED = Pattern.compile("\\bsynchronized\\b|\\bvolatile\\b");

  @Test
  void compiledCoreReferencesNothingBanned() throws IOException {
    Path classes = Path.of("target/classes/io/raftjvm/core");
    List<Path> files = classFiles(classes);
    assertTrue(files.size() > 10, "expected the core's classes under " + classes.toAbsolutePath());
    List<String> violations = new ArrayList<>();
    for (Path f : files) {
      try (InputStream in = Files.newInputStream(f)) {
        violations.addAll(violations(f.getFileName().toString(), ClassFileRefs.read(in)));
      }
    }
    assertEquals(List.of(), violations);
  }

  @Test
  void coreSourcesUseNoLocksOrVolatiles() throws IOException {
    Path sources = Path.of("src/main/java/io/raftjvm/core");
    List<String> violations = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(sources)) {
      for (Path f : walk.filter(p -> p.toString().endsWith(".java")).toList()) {
        List<String> lines = Files.readAllLines(f);
        for (int i = 0; i < lines.size(); i++) {
          String code = lines.get(i).replaceAll("//.*|\".*?\"", "").trim();
          if (code.startsWith("*") || code.startsWith("/*")) continue;
          if (SYNCHRONIZED.matcher(code).find())
            violations.add(f.getFileName() + ":" + (i + 1) + ": " + code);
        }
      }
    }
    assertEquals(List.of(), violations);
  }

  /** The checker itself must catch a class that reads the clock and starts a thread. */
  @Test
  void checkerFlagsAnImpureClass() throws IOException {
    try (InputStream in = CorePurityTest.class.getResourceAsStream("CorePurityTest$Impure.class")) {
      List<String> v = violations("Impure", ClassFileRefs.read(in));
      assertTrue(v.stream().anyMatch(s -> s.contains("System.nanoTime")), v.toString());
      assertTrue(v.stream().anyMatch(s -> s.contains("java/lang/Thread")), v.toString());
      assertTrue(v.stream().anyMatch(s -> s.contains("volatile")), v.toString());
      assertTrue(v.stream().anyMatch(s -> s.contains("synchronized")), v.toString());
    }
    try (InputStream in = CorePurityTest.class.getResourceAsStream("CorePurityTest$Pure.class")) {
      assertFalse(violations("Pure", ClassFileRefs.read(in)).stream().findAny().isPresent());
    }
  }

  private static List<String> violations(String name, ClassFileRefs refs) {
    List<String> v = new ArrayList<>();
    for (String s : refs.strings()) {
      List<String> classes = new ArrayList<>();
      if (INTERNAL_NAME.matcher(s).matches()) classes.add(s);
      DESCRIPTOR_CLASS.matcher(s).results().forEach(r -> classes.add(r.group(1)));
      for (String c : classes) {
        for (String banned : BANNED_TYPES) {
          boolean hit =
              banned.endsWith("/")
                  ? c.startsWith(banned)
                  : c.equals(banned) || c.startsWith(banned + "$");
          if (hit) v.add(name + " references " + c);
        }
      }
    }
    for (String call : refs.methodRefs()) {
      for (String banned : BANNED_CALLS) if (call.equals(banned)) v.add(name + " calls " + call);
    }
    for (String m : refs.synchronizedMethods()) v.add(name + " has synchronized method " + m);
    for (String f : refs.volatileFields()) v.add(name + " has volatile field " + f);
    return v;
  }

  private static List<Path> classFiles(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(p -> p.toString().endsWith(".class")).toList();
    }
  }

  /** A deliberately impure class: the checker must flag it. */
  @SuppressWarnings("unused")
  private static final class Impure {
    private volatile long at;

    synchronized void run() {
      at = System.nanoTime();
      new Thread(() -> {}).start();
    }
  }

  /** A pure class: the checker must accept it. */
  @SuppressWarnings("unused")
  private static final class Pure {
    private long at;

    long next(java.util.random.RandomGenerator r) {
      return at += r.nextInt(10);
    }
  }
}
