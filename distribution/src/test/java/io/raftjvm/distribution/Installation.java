package io.raftjvm.distribution;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The tarball (target/raft-server-*.tar.gz) unpacked into a directory of a test's own, and its
 * scripts run as a user on a machine that never saw the build would run them: no RAFT_HOME, no
 * Maven, only the system's PATH and Java. Not thread-safe; one per test class.
 */
final class Installation {
  /** The unpacked installation: bin/, conf/, lib/, plugins/, tools/. */
  final Path home;

  /** Where {@link #run} keeps the commands' output. */
  private final Path scratch;

  private Installation(Path home, Path scratch) {
    this.home = home;
    this.scratch = scratch;
  }

  /** Unpacks the tarball into dir/install. */
  static Installation unpack(Path dir) throws Exception {
    Path tarball;
    try (Stream<Path> s = Files.list(Path.of("target"))) {
      tarball =
          s.filter(p -> p.getFileName().toString().matches("raft-server-.*\\.tar\\.gz"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no raft-server-*.tar.gz in target/"));
    }
    Path install = Files.createDirectories(dir.resolve("install"));
    Process tar =
        new ProcessBuilder("tar", "-xzf", tarball.toAbsolutePath().toString())
            .directory(install.toFile())
            .redirectErrorStream(true)
            .start();
    if (!tar.waitFor(2, TimeUnit.MINUTES) || tar.exitValue() != 0) {
      throw new AssertionError(
          "tar failed: " + new String(tar.getInputStream().readAllBytes(), UTF_8));
    }
    try (Stream<Path> s = Files.list(install)) {
      return new Installation(s.findFirst().orElseThrow(), dir);
    }
  }

  /** The path of a script in bin/. */
  String bin(String script) {
    return home.resolve("bin").resolve(script).toString();
  }

  /**
   * Starts cmd in dir with the clean environment plus env; stdout and stderr go to output (appended
   * to, so that a restarted server keeps its earlier output), or nowhere when it is null.
   */
  static Process start(Path dir, List<String> cmd, Map<String, String> env, Path output)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    cleanEnvironment(pb).putAll(env);
    pb.redirectErrorStream(true);
    if (output == null) {
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    } else {
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
    }
    return pb.start();
  }

  /**
   * Leaves pb the environment of a machine that never saw the build: no RAFT_* settings, no Maven,
   * no CLASSPATH or JAVA_OPTS, the system's PATH and this JVM's java. Returns it for additions.
   */
  static Map<String, String> cleanEnvironment(ProcessBuilder pb) {
    Map<String, String> e = pb.environment();
    e.keySet()
        .removeIf(
            k ->
                k.startsWith("MAVEN")
                    || k.startsWith("RAFT_")
                    || k.equals("CLASSPATH")
                    || k.equals("JAVA_OPTS"));
    String javaBin = Path.of(System.getProperty("java.home"), "bin").toString();
    e.put("PATH", javaBin + ":/usr/local/bin:/usr/bin:/bin");
    return e;
  }

  /** Runs cmd to its end within timeout; returns its exit status and output. */
  Result run(Path dir, List<String> cmd, Map<String, String> env, Duration timeout)
      throws Exception {
    Path out = Files.createTempFile(scratch, "run", ".out");
    Process p = start(dir, cmd, env, out);
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(
          cmd + " did not finish within " + timeout + ":\n" + Files.readString(out, UTF_8));
    }
    return new Result(p.exitValue(), Files.readString(out, UTF_8));
  }

  /** What a command that ran to its end left. */
  record Result(int exit, String output) {}

  /** SIGTERM, as an operator, systemd or the kubelet stops a server; waits for the exit. */
  static int stop(Process p, Duration wait) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
      throw new AssertionError("pid " + p.pid() + " did not stop within " + wait + " of SIGTERM");
    }
    return p.exitValue();
  }

  /** A TCP port free on loopback now. */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  /** Polls condition every 100 ms until it holds; fails naming what was awaited after wait. */
  static void await(String what, Duration wait, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + wait + " waiting for " + what);
      }
      Thread.sleep(100); // polling a condition
    }
  }

  /** The file's text, or "" while it does not exist. */
  static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }
}
