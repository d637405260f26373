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
import java.util.List;
import org.junit.jupiter.api.Test;

/** raft-admin snapshot reports a server that is down at once instead of waiting out its timeout. */
class SnapshotCommandTest {
  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort(); // nothing listens there once closed
    }
  }

  @Test
  void aServerThatIsDownIsReportedWithoutWaitingTheTimeout() throws Exception {
    String down = "127.0.0.1:" + closedPort();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60), // far below the 10 minutes the command may wait for answers
            () ->
                SnapshotCommand.run(
                    List.of(down),
                    Duration.ofMinutes(10),
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8)));
    assertEquals(RaftAdmin.FAILED, exit);
    String said = err.toString(StandardCharsets.UTF_8);
    assertTrue(said.startsWith("raft-admin: " + down + ": snapshot failed: "), said);
    assertEquals(1, said.strip().lines().count(), said);
  }
}
