package io.raftjvm.server;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.statemachine.StateMachineProvider;
import java.io.File;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/** Jars built at test time: sources compiled against the SPI (and given jars), then packaged. */
final class PluginJars {
  static final String SERVICE_FILE = "META-INF/services/" + StateMachineProvider.class.getName();

  private PluginJars() {}

  /**
   * Compiles sources (class name to source) in work, against the SPI and classpath, into jar;
   * provider, when not null, is written as the jar's StateMachineProvider service entry.
   */
  static Path build(
      Path work, Path jar, Map<String, String> sources, String provider, Path... classpath)
      throws Exception {
    Path srcDir = Files.createDirectories(work.resolve("src"));
    Path classes = Files.createDirectories(work.resolve("classes"));
    List<Path> files = new ArrayList<>();
    for (Map.Entry<String, String> s : sources.entrySet()) {
      Path f = srcDir.resolve(s.getKey().replace('.', '/') + ".java");
      Files.createDirectories(f.getParent());
      Files.writeString(f, s.getValue());
      files.add(f);
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertNotNull(javac, "no system Java compiler: run the tests on a JDK");
    StringBuilder cp =
        new StringBuilder(
            Path.of(
                    StateMachineProvider.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .toString());
    for (Path p : classpath) cp.append(File.pathSeparator).append(p);
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager fm =
        javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
      List<String> options =
          List.of("--release", "17", "-classpath", cp.toString(), "-d", classes.toString());
      boolean ok =
          javac
              .getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjectsFromPaths(files))
              .call();
      assertTrue(ok, "compiling " + sources.keySet() + " failed: " + diagnostics.getDiagnostics());
    }
    Files.createDirectories(jar.getParent());
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file);
        Stream<Path> walk = Files.walk(classes)) {
      for (Path c : walk.filter(Files::isRegularFile).sorted().toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(c).toString().replace('\\', '/')));
        out.write(Files.readAllBytes(c));
        out.closeEntry();
      }
      if (provider != null) {
        out.putNextEntry(new JarEntry(SERVICE_FILE));
        out.write((provider + "\n").getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }
    return jar;
  }
}
