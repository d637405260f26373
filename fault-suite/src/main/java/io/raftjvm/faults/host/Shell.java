package io.raftjvm.faults.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short system commands (ip, iptables, mount, kill) and reports failures in one line. */
public final class Shell {
  private Shell() {}

  /** Runs cmd, waits up to 30 s; returns its standard output. Throws HostException on failure. */
  public static String run(String... cmd) {
    return run(List.of(cmd));
  }

  public static String run(List<String> cmd) {
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new HostException(String.join(" ", cmd) + ": cannot run: " + e.getMessage(), e);
    }
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new HostException(String.join(" ", cmd) + ": no exit within 30 s");
      }
      if (p.exitValue() != 0) {
        throw new HostException(
            String.join(" ", cmd)
                + ": exit "
                + p.exitValue()
                + ": "
                + out.strip().replace('\n', ' '));
      }
      return out;
    } catch (IOException e) {
      throw new HostException(String.join(" ", cmd) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new HostException(String.join(" ", cmd) + ": interrupted", e);
    }
  }

  /** Runs cmd for cleanup: failures are returned as a message (null on success), never thrown. */
  public static String tryRun(String... cmd) {
    try {
      run(cmd);
      return null;
    } catch (HostException e) {
      return e.getMessage();
    }
  }
}
