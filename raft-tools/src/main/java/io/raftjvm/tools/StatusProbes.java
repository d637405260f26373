package io.raftjvm.tools;

import io.raftjvm.client.HostPort;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.client.proto.NodeStatus;
import io.raftjvm.client.proto.ServerInfo;
import io.raftjvm.tools.StatusTable.Probe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks servers for their own status, one {@link RaftClient} per address (a status request is never
 * redirected, so each client talks to exactly one server). Clients are kept for repeated rounds
 * (transfer-leader polls) and closed together. Not thread-safe: used by the tool's main thread.
 *
 * <p>A round asks the seed addresses and then, until nothing new turns up, every member client
 * address named in an answer's configuration, so that servers added after the seeds show too.
 */
final class StatusProbes implements AutoCloseable {
  /** Longest wait for one server's status: an unreachable server should not hold the table up. */
  private static final Duration MAX_PROBE_TIMEOUT = Duration.ofSeconds(5);

  /** Connection attempts after the first; refused connections fail within tens of ms. */
  private static final int PROBE_RETRIES = 2;

  private final Duration timeout;
  private final Map<String, RaftClient> clients = new LinkedHashMap<>();

  StatusProbes(Duration timeout) {
    this(timeout, null);
  }

  /** tls: towards the servers, or null for plaintext. */
  StatusProbes(Duration timeout, io.raftjvm.client.RaftClientOptions.Tls tls) {
    this.timeout = timeout.compareTo(MAX_PROBE_TIMEOUT) < 0 ? timeout : MAX_PROBE_TIMEOUT;
    this.tls = tls;
  }

  private final io.raftjvm.client.RaftClientOptions.Tls tls;

  /** One probe per address asked, seeds first, then discovered members in the order found. */
  List<Probe> round(List<String> seeds) throws InterruptedException {
    Map<String, Probe> done = new LinkedHashMap<>();
    Set<String> next = new LinkedHashSet<>(seeds);
    while (!next.isEmpty()) {
      Map<String, CompletableFuture<NodeStatus>> asked = new LinkedHashMap<>();
      for (String address : next) {
        asked.put(address, client(address).status());
      }
      next = new LinkedHashSet<>();
      for (Map.Entry<String, CompletableFuture<NodeStatus>> e : asked.entrySet()) {
        Probe p = await(e.getKey(), e.getValue());
        done.put(e.getKey(), p);
        if (p.status() != null) {
          for (ServerInfo m : p.status().getConf().getMembersList()) {
            String a = m.getClientAddress();
            if (!a.isEmpty()
                && !done.containsKey(a)
                && !asked.containsKey(a)
                && HostPort.isValid(a)) {
              next.add(a);
            }
          }
        }
      }
    }
    return new ArrayList<>(done.values());
  }

  @Override
  public void close() {
    clients.values().forEach(RaftClient::close);
    clients.clear();
  }

  private RaftClient client(String address) {
    return clients.computeIfAbsent(
        address,
        a ->
            RaftClient.create(
                RaftClientOptions.builder(List.of(a))
                    .requestTimeout(timeout)
                    .maxRetries(PROBE_RETRIES)
                    .tls(tls)
                    .build()));
  }

  private Probe await(String address, CompletableFuture<NodeStatus> f) throws InterruptedException {
    try {
      // The client fails the request at its own deadline; the margin only guards a stalled loop.
      return Probe.answered(address, f.get(timeout.toMillis() + 2_000, TimeUnit.MILLISECONDS));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      return Probe.unreachable(address, String.valueOf(cause.getMessage()));
    } catch (TimeoutException e) {
      f.cancel(false);
      return Probe.unreachable(address, "no answer");
    }
  }
}
