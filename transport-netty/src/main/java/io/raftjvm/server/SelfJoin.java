package io.raftjvm.server;

import io.raftjvm.client.Backoff;
import io.raftjvm.client.ClientException;
import io.raftjvm.client.HostPort;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.proto.ConfState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code raft.auto-join}: a server started with {@code join = true} on an empty data directory adds
 * itself, as an operator would with raft-admin: it asks the servers its peers list names to add it
 * as a learner, then to promote it once it has caught up (thesis §4.2.1: a new server joins without
 * a vote until it holds the log), and stops once its own log says it is a voter. Every step is
 * retried with backoff until it succeeds or the server closes: the leader may be unknown, may
 * change, or may refuse while another change is pending or the learner lags. What this server's log
 * says of the configuration decides the next step, so a restart in the middle picks up where the
 * join stood.
 *
 * <p>With TLS, it connects with its own certificate; a server requiring client certificates lets a
 * node's certificate add and promote that node id only (anything else needs the admin role).
 */
final class SelfJoin implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SelfJoin.class);
  private static final Duration ATTEMPT = Duration.ofSeconds(10);

  private final ServerConfig cfg;
  private final Supplier<ConfState> conf;
  private final Thread thread;
  private volatile boolean closed;

  /** The last problem logged at WARN: the same one again goes to DEBUG. */
  private String lastProblem;

  SelfJoin(ServerConfig cfg, Supplier<ConfState> conf) {
    this.cfg = cfg;
    this.conf = conf;
    this.thread = new Thread(this::run, "raft-" + cfg.nodeId() + "-self-join");
    thread.setDaemon(true);
  }

  /** The client addresses of the servers this one asks: every other server its peers list names. */
  static List<String> others(ServerConfig cfg) {
    List<String> out = new ArrayList<>();
    cfg.members()
        .forEach(
            (id, m) -> {
              if (id != cfg.nodeId()) out.add(HostPort.format(m.clientAddress()));
            });
    return out;
  }

  void start() {
    thread.start();
  }

  private void run() {
    long id = cfg.nodeId();
    List<String> servers = others(cfg);
    RaftClientOptions.Builder options =
        RaftClientOptions.builder(servers).clusterId(cfg.clusterId()).requestTimeout(ATTEMPT);
    if (cfg.tls().enabled()) {
      options.tls(
          new RaftClientOptions.Tls(
              cfg.tls().caFile(),
              cfg.tls().certFile(),
              cfg.tls().keyFile(),
              cfg.tls().protocols()));
    }
    LOG.info(
        "node {} adds itself to cluster '{}' (raft.auto-join), asking {}",
        id,
        cfg.clusterId(),
        servers);
    Backoff backoff =
        new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), new SplittableRandom());
    int failures = 0;
    boolean asked = false;
    try (RaftClient client = RaftClient.create(options.build())) {
      while (!closed) {
        ConfState now = conf.get();
        if (now == null) now = ConfState.getDefaultInstance(); // the node loop is starting
        try {
          if (now.getVotersList().contains(id)) {
            LOG.info("node {} joined cluster '{}' as a voter", id, cfg.clusterId());
            return;
          } else if (now.getLearnersList().contains(id)) {
            long index = await(client.promote(id));
            LOG.info("node {} caught up and was promoted to voter (entry {})", id, index);
            failures = 0;
            continue; // its own log says so once the entry reaches it
          } else if (!asked) {
            ClusterMember self = cfg.self();
            long index =
                await(
                    client.addLearner(
                        id,
                        HostPort.format(self.peerAddress()),
                        HostPort.format(self.clientAddress()),
                        self.httpAddress() == null ? null : HostPort.format(self.httpAddress())));
            LOG.info("node {} was added as a learner (entry {}); catching up", id, index);
            asked = true;
            failures = 0;
          }
        } catch (ClientException e) {
          if (e.kind() == ClientException.Kind.BAD_REQUEST
              && e.getMessage().contains("is already a learner")) {
            asked = true; // an earlier attempt was applied; this log has not received it yet
          } else if (e.kind() == ClientException.Kind.BAD_REQUEST
              && e.getMessage().contains("is already a voter")) {
            // Its own log would say so had it been promoted here: it lost its data.
            LOG.error(
                "node {} is a voter of cluster '{}', but its own log does not say so: its data"
                    + " was lost or replaced. It must not take part under this id; remove it"
                    + " (raft-admin.sh remove {}) and add the server under a new id with an empty"
                    + " data directory",
                id,
                cfg.clusterId(),
                id);
            return;
          } else if (e.kind() == ClientException.Kind.REFUSED) {
            // Another change is pending, or this learner is still catching up: the usual wait.
            LOG.debug("node {} joining: {}", id, e.getMessage());
          } else {
            problem(e.getMessage());
          }
          failures++;
        }
        if (!closed) Thread.sleep(TimeUnit.NANOSECONDS.toMillis(backoff.delayNanos(failures + 1)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("node {} cannot add itself: {}", id, e.toString());
    }
  }

  private static long await(java.util.concurrent.CompletableFuture<Long> f)
      throws InterruptedException {
    try {
      return f.get(ATTEMPT.toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ClientException ce) throw ce;
      throw new ClientException(ClientException.Kind.UNAVAILABLE, String.valueOf(e.getCause()));
    } catch (TimeoutException e) {
      throw new ClientException(ClientException.Kind.TIMEOUT_OUTCOME_UNKNOWN, "no answer in time");
    }
  }

  private void problem(String what) {
    if (what.equals(lastProblem)) {
      LOG.debug("node {} joining: {}", cfg.nodeId(), what);
    } else {
      LOG.warn("node {} joining: {} (retrying)", cfg.nodeId(), what);
      lastProblem = what;
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
