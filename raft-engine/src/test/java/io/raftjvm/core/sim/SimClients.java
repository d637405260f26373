package io.raftjvm.core.sim;

import com.google.protobuf.ByteString;
import io.raftjvm.core.NotLeaderException;
import io.raftjvm.lincheck.Operation;
import io.raftjvm.runtime.NodeDriver;
import io.raftjvm.runtime.Proposal;
import io.raftjvm.runtime.ProposalFailedException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;

/**
 * Simulated clients of the counter, each running one operation at a time as the real client does:
 * adds within an exactly-once session (thesis §6.3), numbered, retried with the same number on
 * another server when an attempt times out or the server says it lost leadership; linearizable
 * reads (thesis §6.4) on leaders and followers. Replies travel back over the simulated network
 * (late, or lost). Every operation goes into a history with its outcome: ok, fail (certainly no
 * effect), or unknown.
 *
 * <p>Checked as they complete: a retried add returns the result of its first application; a read
 * sees every add acknowledged before it began. The history as a whole goes to the linearizability
 * checker, and the replicas to {@link #checkExactlyOnce} at the end.
 */
final class SimClients {
  private final SimCluster sim;
  private final List<Client> clients = new ArrayList<>();

  /** Replies on their way back, by arrival step. */
  private final PriorityQueue<Reply> inbox = new PriorityQueue<>();

  private long replySeq;
  final List<Operation> history = new ArrayList<>();

  /**
   * The result of each add where it was first applied, by tag (every replica must compute the
   * same).
   */
  final Map<String, Long> firstResults = new HashMap<>();

  /** Which replica (and at which index) first applied each add. */
  private final Map<String, String> firstWhere = new HashMap<>();

  /** Tags of adds acknowledged to a client. */
  final List<String> acked = new ArrayList<>();

  /** Steps an attempt may take before the client tries another server. */
  int attemptTimeout = 400;

  /** Attempts per operation before the client gives up on it. */
  int maxAttempts = 30;

  /** Steps an answer takes to leave its server: a crash within them loses it. */
  private static final int REPLY_LEAVES = 3;

  /** Probability that a reply is lost on its way back (the connection broke). */
  double replyLossRate = 0.02;

  /** Share of reads among the operations. */
  double readRate = 0.3;

  /** Clients finish what they started and start nothing new. */
  boolean stopping;

  /** Counters. */
  long ok;

  long failed;
  long unknown;
  long retries;
  long sessions;
  long expired;

  /** Adds acknowledged: the lower bound every read that starts later must see. */
  private long ackedAdds;

  private record Reply(
      long at,
      long seq,
      Client client,
      Op op,
      int attempt,
      Object value,
      Throwable error,
      SimNode server,
      long sent)
      implements Comparable<Reply> {
    @Override
    public int compareTo(Reply o) {
      return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
    }
  }

  /** One operation under way. */
  private static final class Op {
    final boolean read;
    final long sequence;
    final String tag;
    final long invoke;

    /** Adds acknowledged before it began (what a read must see). */
    final long mustSee;

    int attempts;
    long attemptStarted;

    /** Try again at this step (a back-off), 0 if not waiting for one. */
    long retryAt;

    /** Some attempt of this add may have reached a log. */
    boolean mayHaveApplied;

    Op(boolean read, long sequence, String tag, long invoke, long mustSee) {
      this.read = read;
      this.sequence = sequence;
      this.tag = tag;
      this.invoke = invoke;
      this.mustSee = mustSee;
    }
  }

  private final class Client {
    final int process;
    long session;
    boolean registering;
    long registerStarted;
    int registerAttempt;
    long nextSequence = 1;
    long target;
    Op op;

    /** Idle until this step. */
    long idleUntil;

    Client(int process) {
      this.process = process;
      this.target = sim.ids[process % sim.ids.length];
    }
  }

  SimClients(SimCluster sim, int count) {
    this.sim = sim;
    for (int i = 0; i < count; i++) clients.add(new Client(i));
  }

  private long now() {
    return sim.step;
  }

  /**
   * One client event: a reply arrives, or a client times out, starts, or sends its next operation.
   */
  void step() {
    if (!inbox.isEmpty() && inbox.peek().at() <= now() && sim.random.nextInt(3) != 0) {
      Reply r = inbox.poll();
      onReply(r);
      return;
    }
    Client c = clients.get(sim.random.nextInt(clients.size()));
    if (c.idleUntil > now()) return;
    if (stopping && c.op == null) {
      c.registering = false;
      return;
    }
    if (c.session == 0) {
      if (!c.registering || now() - c.registerStarted > attemptTimeout) register(c);
      return;
    }
    if (c.op == null) {
      if (sim.random.nextInt(200) == 0) {
        c.idleUntil =
            now() + sim.random.nextInt(4 * attemptTimeout); // a pause: sessions may expire
        return;
      }
      start(c);
      return;
    }
    if (c.op.retryAt > 0) {
      if (now() >= c.op.retryAt) attempt(c);
      return;
    }
    if (now() - c.op.attemptStarted > attemptTimeout) {
      // No answer in time: the server may be down or cut off. Try another.
      c.target = otherThan(c.target);
      attempt(c);
    }
  }

  /** True when no operation is under way and no client is registering. */
  boolean idle() {
    for (Client c : clients) if (c.op != null || c.registering) return false;
    return true;
  }

  private void register(Client c) {
    c.registering = true;
    c.registerStarted = now();
    int attempt = ++c.registerAttempt;
    SimNode n = sim.node(c.target);
    if (!n.up) {
      // Connection refused: another server, after a short back-off.
      c.target = otherThan(c.target);
      c.registerStarted = now() - attemptTimeout + 10 + sim.random.nextInt(20);
      return;
    }
    CompletableFuture<Long> f = n.driver.registerSession();
    f.whenComplete((id, t) -> send(c, null, attempt, id, t, n));
    sim.settle(n); // the server takes the request now
  }

  private void start(Client c) {
    boolean read = sim.random.nextDouble() < readRate;
    long seq = read ? 0 : c.nextSequence++;
    String tag =
        read
            ? null
            : new String(
                SimStateMachine.add(c.process, seq), java.nio.charset.StandardCharsets.UTF_8);
    c.op = new Op(read, seq, tag, now(), ackedAdds);
    // Half the reads go to any server (reads are served by followers too): so some reach a
    // server that is cut off or paused, however the client fared before.
    if (read && sim.random.nextBoolean()) c.target = sim.ids[sim.random.nextInt(sim.ids.length)];
    attempt(c);
  }

  private void attempt(Client c) {
    Op op = c.op;
    if (op.attempts >= maxAttempts) {
      finish(
          c, op.read || !op.mayHaveApplied ? Operation.Status.FAIL : Operation.Status.UNKNOWN, 0);
      return;
    }
    if (op.attempts > 0) retries++;
    op.retryAt = 0;
    int attempt = ++op.attempts;
    op.attemptStarted = now();
    SimNode n = sim.node(c.target);
    if (!n.up) {
      // Connection refused: another server, after a short back-off.
      c.target = otherThan(c.target);
      op.retryAt = now() + 10 + sim.random.nextInt(20);
      return;
    }
    NodeDriver d = n.driver;
    if (op.read) {
      d.read(new byte[0]).whenComplete((v, t) -> send(c, op, attempt, v, t, n));
    } else {
      // Sent: from here on it may reach a log, whatever this attempt is told.
      op.mayHaveApplied = true;
      d.proposeInSession(
              c.session,
              op.sequence,
              op.sequence,
              ByteString.copyFrom(SimStateMachine.add(c.process, op.sequence)))
          .whenComplete((p, t) -> send(c, op, attempt, p, t, n));
    }
    sim.settle(n); // the server takes the request now
  }

  /** A server's answer leaves for the client: it arrives later, or is lost with the connection. */
  private void send(Client c, Op op, int attempt, Object value, Throwable error, SimNode server) {
    if (sim.random.nextDouble() < replyLossRate) return;
    inbox.add(
        new Reply(
            now() + 1 + sim.random.nextInt(20),
            replySeq++,
            c,
            op,
            attempt,
            value,
            error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause()
                : error,
            server,
            now()));
  }

  private void onReply(Reply r) {
    if (r.server().crashedAt >= r.sent() && r.server().crashedAt < r.sent() + REPLY_LEAVES) {
      return; // the server crashed before the answer left it (after the apply, before the reply)
    }
    Client c = r.client();
    if (r.op() == null) {
      if (c.registering && r.attempt() == c.registerAttempt) onRegistered(c, r);
      return;
    }
    if (r.op() != c.op) return; // an answer to an operation already settled
    Op op = c.op;
    if (r.error() == null) {
      long value;
      if (op.read) {
        value = ByteBuffer.wrap((byte[]) r.value()).getLong();
        if (value < op.mustSee) {
          throw new AssertionError(
              "stale read: client "
                  + c.process
                  + " read "
                  + value
                  + " but "
                  + op.mustSee
                  + " adds were acknowledged before the read began\n"
                  + sim.describe());
        }
      } else {
        value = ByteBuffer.wrap(((Proposal) r.value()).result()).getLong();
        Long first = firstResults.get(op.tag);
        if (first == null || first != value) {
          throw new AssertionError(
              "add "
                  + op.tag
                  + " returned "
                  + value
                  + " but its first application returned "
                  + first
                  + "\n"
                  + sim.describe());
        }
        acked.add(op.tag);
        ackedAdds++;
      }
      finish(c, Operation.Status.OK, value);
      return;
    }
    if (r.attempt() != op.attempts) return; // a failure of an attempt already abandoned
    Throwable t = r.error();
    if (t instanceof NotLeaderException nl && nl.leaderHint() != 0) {
      c.target = nl.leaderHint();
      attempt(c);
    } else if (t instanceof NotLeaderException) {
      // No leader known there (an election is under way): back off, then ask another server.
      c.target = otherThan(c.target);
      op.retryAt = now() + 20 + sim.random.nextInt(40);
    } else if (t instanceof ProposalFailedException pf
        && pf.kind() == ProposalFailedException.Kind.SESSION_EXPIRED) {
      // The session is gone: an earlier attempt may have applied, and this one cannot tell.
      expired++;
      c.session = 0;
      finish(c, op.read ? Operation.Status.FAIL : Operation.Status.UNKNOWN, 0);
    } else {
      // Leadership lost, node stopping, or a read that must be asked again: another try.
      c.target = otherThan(c.target);
      attempt(c);
    }
  }

  private void onRegistered(Client c, Reply r) {
    if (r.error() == null) {
      c.session = (Long) r.value();
      c.registering = false;
      sessions++;
      return;
    }
    if (r.error() instanceof NotLeaderException nl && nl.leaderHint() != 0)
      c.target = nl.leaderHint();
    else c.target = otherThan(c.target);
    register(c);
  }

  private void finish(Client c, Operation.Status status, long value) {
    Op op = c.op;
    c.op = null;
    long complete = status == Operation.Status.UNKNOWN ? Long.MAX_VALUE : now();
    // Times in the history are steps, scaled to read as milliseconds in reports.
    history.add(
        op.read
            ? Operation.get(c.process, value, op.invoke * 1_000_000, scaled(complete), status)
            : Operation.add(c.process, 1, value, op.invoke * 1_000_000, scaled(complete), status));
    switch (status) {
      case OK -> ok++;
      case FAIL -> failed++;
      case UNKNOWN -> unknown++;
    }
  }

  private static long scaled(long step) {
    return step == Long.MAX_VALUE ? Long.MAX_VALUE : step * 1_000_000;
  }

  private long otherThan(long id) {
    if (sim.ids.length == 1) return id;
    long next;
    do {
      next = sim.ids[sim.random.nextInt(sim.ids.length)];
    } while (next == id);
    return next;
  }

  /**
   * A replica applied an add for the first time, with this result (its state machine reports it).
   */
  void onFirstApplied(String tag, long result, String where) {
    Long before = firstResults.putIfAbsent(tag, result);
    if (before == null) firstWhere.put(tag, where);
    if (before != null && before != result) {
      // Noted, not thrown: this runs inside the applier, which would take it for a state machine
      // failure.
      sim.violation(
          "add "
              + tag
              + " returned "
              + before
              + " on "
              + firstWhere.get(tag)
              + " and "
              + result
              + " on "
              + where);
    }
  }

  /** Every acknowledged add was applied exactly once on every given replica. */
  void checkExactlyOnce(List<SimNode> replicas) {
    for (SimNode n : replicas) {
      if (!n.stateMachine.duplicates.isEmpty()) {
        throw new AssertionError(
            "node "
                + n.id
                + " applied adds twice: "
                + n.stateMachine.duplicates
                + "\n"
                + sim.describe());
      }
      for (String tag : acked) {
        if (!n.stateMachine.adds.containsKey(tag)) {
          throw new AssertionError(
              "acknowledged add " + tag + " is missing on node " + n.id + "\n" + sim.describe());
        }
      }
    }
  }

  @Override
  public String toString() {
    return clients.size()
        + " clients: "
        + history.size()
        + " operations ("
        + ok
        + " ok, "
        + failed
        + " failed, "
        + unknown
        + " unknown), "
        + retries
        + " retries, "
        + sessions
        + " sessions, "
        + expired
        + " expired";
  }
}
