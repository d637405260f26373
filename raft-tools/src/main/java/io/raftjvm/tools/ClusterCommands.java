package io.raftjvm.tools;

import static io.raftjvm.tools.RaftAdmin.FAILED;
import static io.raftjvm.tools.RaftAdmin.OK;
import static io.raftjvm.tools.RaftAdmin.OUTCOME_UNKNOWN;

import io.raftjvm.client.ClientException;
import io.raftjvm.client.ClientException.Kind;
import io.raftjvm.client.Durations;
import io.raftjvm.client.RaftClient;
import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.client.proto.NodeStatus;
import io.raftjvm.tools.RaftAdmin.Command;
import io.raftjvm.tools.StatusTable.Probe;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The raft-admin commands that talk to a running cluster about its members: status, the membership
 * changes (add-learner, promote, remove) and transfer-leader. Exit codes as {@link RaftAdmin}'s.
 */
final class ClusterCommands {
  /** Pause between attempts the leader refused, and between status polls of transfer-leader. */
  private static final long REFUSED_RETRY_MS = 200;

  private static final long POLL_MS = 100;

  private ClusterCommands() {}

  static int status(Command c, PrintStream out, PrintStream err) throws InterruptedException {
    List<Probe> probes;
    try (StatusProbes statuses = new StatusProbes(c.timeout(), c.tls())) {
      probes = statuses.round(c.servers());
    }
    ClusterHealth health = ClusterHealth.of(probes);
    if (c.json()) {
      out.println(health.json(probes));
      return health.exitCode();
    }
    StatusTable.format(probes).forEach(out::println);
    for (Probe p : probes) {
      if (p.status() == null) {
        err.println("raft-admin: " + p.address() + " did not answer: " + p.error());
      }
    }
    if (!health.problems().isEmpty()) {
      err.println("raft-admin: " + health.level() + ": " + String.join("; ", health.problems()));
    }
    return health.exitCode();
  }

  /** How long a command that needs a leader waits for one before it says there is none. */
  private static final Duration LEADER_WAIT = Duration.ofSeconds(3);

  /**
   * Null when some server answers as leader (within LEADER_WAIT: an election may be under way);
   * otherwise why there is none, naming what each server said. Commands that need a leader check
   * this first, so that they fail at once, with nothing changed, rather than at their deadline.
   */
  private static String noLeader(Command c) throws InterruptedException {
    Duration wait = c.timeout().compareTo(LEADER_WAIT) < 0 ? c.timeout() : LEADER_WAIT;
    long deadline = System.nanoTime() + wait.toNanos();
    try (StatusProbes statuses = new StatusProbes(wait, c.tls())) {
      while (true) {
        List<Probe> probes = statuses.round(c.servers());
        if (StatusTable.leader(probes).isPresent()) return null;
        if (System.nanoTime() - deadline >= 0) {
          List<String> said = new ArrayList<>();
          for (Probe p : probes) {
            said.add(
                p.status() == null
                    ? p.address() + " unreachable (" + p.error() + ")"
                    : "node "
                        + p.status().getId()
                        + " is "
                        + p.status().getRole().toLowerCase(Locale.ROOT)
                        + " and knows no leader");
          }
          return "the cluster has no leader (" + String.join("; ", said) + "); nothing was changed";
        }
        Thread.sleep(POLL_MS);
      }
    }
  }

  /** add-learner, promote or remove: retried while REFUSED until the timeout. */
  static int change(Command c, PrintStream out, PrintStream err) throws InterruptedException {
    String noLeader = noLeader(c);
    if (noLeader != null) {
      err.println("raft-admin: " + c.describe() + " failed: " + noLeader);
      return FAILED;
    }
    long deadline = System.nanoTime() + c.timeout().toNanos();
    try (RaftClient client = RaftClient.create(options(c))) {
      long index =
          untilAccepted(
              c,
              deadline,
              out,
              () ->
                  switch (c.action()) {
                    case ADD_LEARNER ->
                        client.addLearner(
                            c.id(), c.peerAddress(), c.clientAddress(), c.httpAddress());
                    case PROMOTE -> client.promote(c.id());
                    default -> client.remove(c.id());
                  });
      out.println(
          switch (c.action()) {
                case ADD_LEARNER -> "node " + c.id() + " joined as a learner";
                case PROMOTE -> "node " + c.id() + " is now a voter";
                default -> "node " + c.id() + " removed";
              }
              + " (configuration entry "
              + index
              + ")");
      return OK;
    } catch (ClientException e) {
      if (e.outcomeUnknown()) {
        err.println(
            "raft-admin: "
                + c.describe()
                + " may or may not have taken effect; check with"
                + " status ("
                + e.getMessage()
                + ")");
        return OUTCOME_UNKNOWN;
      }
      err.println("raft-admin: " + c.describe() + " failed: " + e.getMessage());
      return FAILED;
    }
  }

  /** transfer-leader: asks the leader, then polls statuses until node ID leads. */
  static int transfer(Command c, PrintStream out, PrintStream err) throws InterruptedException {
    String noLeader = noLeader(c);
    if (noLeader != null) {
      err.println("raft-admin: " + c.describe() + " failed: " + noLeader);
      return FAILED;
    }
    long deadline = System.nanoTime() + c.timeout().toNanos();
    try (RaftClient client = RaftClient.create(options(c));
        StatusProbes statuses = new StatusProbes(c.timeout(), c.tls())) {
      try {
        untilAccepted(c, deadline, out, () -> client.transferLeadership(c.id()));
      } catch (ClientException e) {
        // The target may lead already (a retried transfer, or one sent to it): success too.
        if (leads(c.id(), statuses.round(c.servers())) == null) {
          err.println("raft-admin: " + c.describe() + " failed: " + e.getMessage());
          return FAILED;
        }
      }
      while (true) {
        NodeStatus leader = leads(c.id(), statuses.round(c.servers()));
        if (leader != null) {
          out.println("node " + c.id() + " leads term " + leader.getTerm());
          return OK;
        }
        if (System.nanoTime() - deadline >= 0) {
          err.println(
              "raft-admin: "
                  + c.describe()
                  + " failed: the transfer started but node "
                  + c.id()
                  + " did not become leader within "
                  + Durations.format(c.timeout()));
          return FAILED;
        }
        Thread.sleep(POLL_MS);
      }
    }
  }

  /** Node id's own status if it answered as LEADER (at the highest term seen), else null. */
  private static NodeStatus leads(long id, List<Probe> probes) {
    Optional<NodeStatus> leader = StatusTable.leader(probes);
    return leader.filter(s -> s.getId() == id).orElse(null);
  }

  /** Sends until the answer is not REFUSED or the deadline passes; prints "waiting:" once. */
  private static <T> T untilAccepted(
      Command c, long deadline, PrintStream out, Supplier<CompletableFuture<T>> send)
      throws InterruptedException {
    boolean waiting = false;
    while (true) {
      try {
        return await(send.get(), deadline, c.timeout());
      } catch (ClientException e) {
        if (e.kind() != Kind.REFUSED) {
          throw e;
        }
        if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REFUSED_RETRY_MS) - deadline >= 0) {
          throw new ClientException(
              Kind.REFUSED,
              "still refused after " + Durations.format(c.timeout()) + ": " + e.getMessage(),
              e);
        }
        if (!waiting) {
          out.println("waiting: " + e.getMessage());
          waiting = true;
        }
        Thread.sleep(REFUSED_RETRY_MS);
      }
    }
  }

  /** The future's value; its ClientException unwrapped; outcome unknown if the deadline passes. */
  private static <T> T await(CompletableFuture<T> f, long deadline, Duration timeout)
      throws InterruptedException {
    // The client fails the request at its own deadline; the margin only guards a stalled loop.
    long waitNanos = Math.max(0, deadline - System.nanoTime()) + TimeUnit.SECONDS.toNanos(2);
    try {
      return f.get(waitNanos, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ClientException ce) {
        throw ce;
      }
      throw new ClientException(
          Kind.SERVER_ERROR_OUTCOME_UNKNOWN, String.valueOf(e.getCause()), e.getCause());
    } catch (TimeoutException e) {
      f.cancel(false);
      throw new ClientException(
          Kind.TIMEOUT_OUTCOME_UNKNOWN,
          "no answer from the cluster within " + Durations.format(timeout));
    }
  }

  private static RaftClientOptions options(Command c) {
    return RaftClientOptions.builder(c.servers()).requestTimeout(c.timeout()).tls(c.tls()).build();
  }
}
