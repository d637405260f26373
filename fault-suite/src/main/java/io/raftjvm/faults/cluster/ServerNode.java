package io.raftjvm.faults.cluster;

import io.raftjvm.faults.host.HostException;
import io.raftjvm.faults.host.Net;
import io.raftjvm.faults.host.Shell;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One server slot of the suite: a host of the private network that runs {@code bin/raft-node.sh}
 * with a config file of its own, as users start servers. The slot keeps its host and address; the
 * server in it may change (a removed server's slot is wiped and rejoins under a new id).
 *
 * <p>Not thread-safe: the suite's schedule drives it from one thread.
 */
public final class ServerNode {
  private final Net net;
  private final int host;
  private final Path distRoot;
  private final Path dir;
  private final String javaOpts;

  /** The server's id in this slot (a new one after a wipe). */
  private long id;

  private Process process;
  private boolean paused;

  ServerNode(Net net, int host, long id, Path distRoot, Path dir, String javaOpts) {
    this.net = net;
    this.host = host;
    this.id = id;
    this.distRoot = distRoot;
    this.dir = dir;
    this.javaOpts = javaOpts;
  }

  public int host() {
    return host;
  }

  public long id() {
    return id;
  }

  /** The data directory of the server in this slot. */
  public Path dataDir() {
    return dir.resolve("data-" + id);
  }

  /** The server's log file (bin/raft-node.sh names it after the config file, node-ID.conf). */
  public Path logFile() {
    return dir.resolve("logs").resolve("node-" + id + ".log");
  }

  public boolean running() {
    return process != null && process.isAlive();
  }

  public boolean paused() {
    return paused;
  }

  /** Writes the config and starts the server in the host's namespace. */
  void start(String config) throws IOException {
    if (running()) throw new IllegalStateException("server " + id + " is already running");
    Files.createDirectories(dataDir());
    Path conf = dir.resolve("node-" + id + ".conf");
    Files.writeString(conf, config);
    List<String> cmd =
        net.inNamespace(
            host,
            List.of(distRoot.resolve("bin/raft-node.sh").toString(), "--config", conf.toString()));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(dir.resolve("node-" + id + ".out").toFile()));
    pb.environment().put("JAVA_OPTS", javaOpts);
    pb.environment().put("RAFT_LOG_DIR", logFile().getParent().toString());
    pb.environment().remove("RAFT_LOG_NAME");
    process = pb.start();
    paused = false;
  }

  /** SIGKILL: the process dies at once, losing what it had not synced. */
  void kill() throws InterruptedException {
    if (process == null) return;
    resume();
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM and wait: a clean stop. */
  void stop() throws InterruptedException {
    if (process == null) return;
    resume();
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) kill();
  }

  /** SIGSTOP: frozen, connections open, believing whatever it believed. */
  void pause() {
    if (!running() || paused) return;
    signal("STOP");
    paused = true;
  }

  /** SIGCONT. */
  void resume() {
    if (!paused) return;
    signal("CONT");
    paused = false;
  }

  /**
   * Gives the slot a new server id and an empty data directory (the old one stays for the record).
   */
  void renew(long newId) {
    if (running()) throw new IllegalStateException("server " + id + " still runs");
    id = newId;
  }

  private void signal(String sig) {
    try {
      Shell.run("kill", "-" + sig, Long.toString(process.pid()));
    } catch (HostException e) {
      if (process.isAlive()) throw e; // a dead process has nothing to stop or continue
    }
  }

  @Override
  public String toString() {
    return "server " + id + " on host " + host;
  }
}
