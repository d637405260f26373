package io.raftjvm.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Commands that need a leader say at once that there is none (exit 1, nothing changed) instead of
 * waiting out their timeout and calling the outcome unknown.
 */
class NeedsLeaderTest {
  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {"add-learner 4 127.0.0.1:1", "promote 4", "remove 3", "transfer-leader 2"})
  void withNoLeaderTheCommandFailsAtOnceAndSaysNothingChanged(String command) throws Exception {
    String down = "127.0.0.1:" + closedPort();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] args = ("--cluster " + down + " --timeout 10m " + command).split(" ");
    int exit =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60), // far below the 10 minutes it may wait for the change
            () ->
                RaftAdmin.execute(
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8),
                    args));
    assertEquals(RaftAdmin.FAILED, exit);
    String said = err.toString(StandardCharsets.UTF_8);
    assertTrue(said.startsWith("raft-admin: " + command.split(" ")[0] + " "), said);
    assertTrue(said.contains("failed: the cluster has no leader (" + down + " unreachable"), said);
    assertTrue(said.strip().endsWith("nothing was changed"), said);
    assertEquals(1, said.strip().lines().count(), said);
  }
}
