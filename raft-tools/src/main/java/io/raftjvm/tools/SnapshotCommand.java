package io.raftjvm.tools;

import io.raftjvm.client.Durations;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code raft-admin.sh snapshot}: every server given snapshots its state machine and compacts its
 * log.
 */
final class SnapshotCommand {
  /** Connection attempts to one server before it counts as down. */
  static final int SERVER_DOWN_ATTEMPTS = 3;

  private SnapshotCommand() {}

  static int run(List<String> servers, Duration timeout, PrintStream out, PrintStream err)
      throws InterruptedException {
    return run(servers, timeout, null, out, err);
  }

  /** tls: towards the servers, or null for plaintext. */
  static int run(
      List<String> servers,
      Duration timeout,
      RaftClientOptions.Tls tls,
      PrintStream out,
      PrintStream err)
      throws InterruptedException {
    Map<String, RaftClient> clients = new LinkedHashMap<>();
    Map<String, CompletableFuture<Long>> asked = new LinkedHashMap<>();
    int failed = 0;
    try {
      for (String s : servers) {
        // A server that is down is reported at once (a few refused connections), not after the
        // whole timeout: each request goes to that one server only.
        RaftClient c =
            RaftClient.create(
                RaftClientOptions.builder(List.of(s))
                    .requestTimeout(timeout)
                    .maxRetries(SERVER_DOWN_ATTEMPTS)
                    .tls(tls)
                    .build());
        clients.put(s, c);
        asked.put(s, c.snapshot());
      }
      for (Map.Entry<String, CompletableFuture<Long>> e : asked.entrySet()) {
        try {
          long index = e.getValue().get(timeout.toMillis() + 2_000, TimeUnit.MILLISECONDS);
          out.println(e.getKey() + ": snapshot at index " + index);
        } catch (ExecutionException ex) {
          failed++;
          err.println(
              "raft-admin: " + e.getKey() + ": snapshot failed: " + ex.getCause().getMessage());
        } catch (TimeoutException ex) {
          failed++;
          err.println(
              "raft-admin: " + e.getKey() + ": no answer within " + Durations.format(timeout));
        }
      }
    } finally {
      clients.values().forEach(RaftClient::close);
    }
    return failed == 0 ? RaftAdmin.OK : RaftAdmin.FAILED;
  }
}
