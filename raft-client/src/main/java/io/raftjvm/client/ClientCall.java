package io.raftjvm.client;

import com.google.protobuf.CodedOutputStream;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One propose, query or admin request, across all its attempts. Each attempt gets a fresh
 * request_id, so a late answer to an earlier attempt is recognised: ignored, unless it is the
 * success of an attempt abandoned after its attempt timeout. A propose keeps its client id and
 * sequence across attempts.
 *
 * <p>Invariant: once an attempt of a call that takes effect (a propose or a membership change) may
 * have reached a server and was never answered definitely, {@link #undecided} stays true, and the
 * call ends only in success or with an outcome-unknown kind.
 *
 * <p>The outcome is settled once ({@link #complete}, {@link #fail}, {@link #cancel}) and handed to
 * the one callback the caller set before starting the call. The loop settles it; a caller that
 * cancels settles it from its own thread. A call settled is done: the loop drops it.
 *
 * <p>Invariant: all fields but the outcome's are read and written on the client's event loop only.
 */
final class ClientCall {
  private static final Logger LOG = LoggerFactory.getLogger(ClientCall.class);

  /** What a call asks for: decides where it goes, what answers it and whether it may be retried. */
  enum Op {
    PROPOSE("propose", true),
    /**
     * Opens a session; a lost registration only leaves an idle session behind, so it is retried.
     */
    REGISTER("session registration", false),
    QUERY("query", false),
    /** add_learner, promote or remove: a configuration entry in the log. */
    CHANGE("membership change", true),
    TRANSFER("leadership transfer", false),
    /** Goes to the first server only and is never redirected. */
    STATUS("status request", false, true),
    /** The first server snapshots itself: never redirected. */
    SNAPSHOT("snapshot request", false, true),
    /** A chunk of a backup: from the first server only, which holds the snapshot. */
    BACKUP("backup request", false, true);

    final String what;

    /** Appends a log entry: never retried once sent, since its outcome is then unknown. */
    final boolean appends;

    /** About the server asked, not the cluster: goes to the first server only, never redirected. */
    final boolean local;

    Op(String what, boolean appends) {
      this(what, appends, false);
    }

    Op(String what, boolean appends, boolean local) {
      this.what = what;
      this.appends = appends;
      this.local = local;
    }
  }

  final Op op;

  /** The request without its request_id. */
  private final ClientRequest template;

  /** Set once the outcome is settled (through SETTLED); from then on the call is done. */
  private volatile boolean settled;

  private static final VarHandle SETTLED;

  static {
    try {
      SETTLED = MethodHandles.lookup().findVarHandle(ClientCall.class, "settled", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * Takes the outcome: the successful answer (Applied or AdminResult), or the failure. Set before
   * the call starts; run once, on the thread that settles the call.
   */
  private BiConsumer<ClientResponse, Throwable> outcome;

  /** request_id of the attempt in flight; 0 when none is. */
  long requestId;

  /** Connection the attempt in flight went to; null when none is. */
  ClientConnection connection;

  /**
   * Whether the attempt in flight was handed to the socket: it may reach the server from then on.
   */
  boolean written;

  /**
   * An earlier attempt reached the socket and ended without a definite answer (connection lost,
   * TIMEOUT, LEADERSHIP_LOST, no answer within the attempt timeout): it may still take effect.
   * Never reset.
   */
  boolean undecided;

  /**
   * Attempts given up after the attempt timeout whose success may still arrive (failsOver() only).
   */
  final List<Attempt> abandoned = new ArrayList<>(); // no array until an attempt is abandoned

  /** Attempts after the first one, redirects included. */
  int retries;

  /** Failed attempts so far, driving the exponential backoff. */
  int failures;

  /** Redirects to a named leader so far; only the first one is retried without delay. */
  int redirects;

  /** How the last attempt failed: the kind and text reported if the deadline passes. */
  ClientException.Kind lastKind = ClientException.Kind.UNAVAILABLE;

  String lastError = "no server answered";

  /** When the call fails if not completed (the dispatcher's clock, ns). */
  long deadlineNanos;

  /** Started and not finished: counted in the dispatcher's calls in flight. */
  boolean active;

  /** One attempt: the connection it was written to and its request_id. */
  record Attempt(ClientConnection connection, long id) {}

  ClientCall(Op op, ClientRequest template) {
    this.op = op;
    this.template = template;
  }

  /** Where the outcome goes; set once, before the call starts. */
  void onOutcome(BiConsumer<ClientResponse, Throwable> outcome) {
    this.outcome = outcome;
  }

  /** Settled: answered, failed or cancelled. */
  boolean isDone() {
    return settled;
  }

  /** Settles the call with its successful answer; false if it was settled already. */
  boolean complete(ClientResponse response) {
    return settle(response, null);
  }

  /** Settles the call with a failure; false if it was settled already. */
  boolean fail(Throwable failure) {
    return settle(null, failure);
  }

  /** The caller gave up on the call: settled with a CancellationException unless settled. */
  boolean cancel() {
    return settle(null, new CancellationException());
  }

  private boolean settle(ClientResponse response, Throwable failure) {
    if (!SETTLED.compareAndSet(this, false, true)) return false;
    try {
      outcome.accept(response, failure);
    } catch (RuntimeException e) {
      LOG.warn("the outcome of a {} threw", op.what, e); // the loop carries on
    }
    return true;
  }

  /** The attempt numbered id: the template with its request_id, framed without a copy. */
  Framing.Request request(long id) {
    return new Framing.Request(template, id);
  }

  /**
   * Bytes of the largest frame an attempt can take: the request_id with the most varint bytes. The
   * template's size is memoized by the message.
   */
  int maxFrameBytes() {
    return Framing.LENGTH_BYTES
        + template.getSerializedSize()
        + CodedOutputStream.computeUInt64Size(
            ClientRequest.REQUEST_ID_FIELD_NUMBER, Long.MAX_VALUE);
  }

  /**
   * True for a propose or a membership change: never retried once its outcome is unknown. A propose
   * in a session is the exception: the servers apply it at most once, so it is retried.
   */
  boolean appends() {
    return op.appends && !inSession;
  }

  /** A propose in an exactly-once session (servers de-duplicate it). */
  boolean inSession;

  /**
   * Whether an attempt left unanswered for the attempt timeout is given up and the call sent to
   * another server: true for what may be sent twice (a propose in a session, a query, a session
   * registration). The first answer of any attempt then settles the call.
   */
  boolean failsOver() {
    return op == Op.QUERY || op == Op.REGISTER || (op == Op.PROPOSE && inSession);
  }

  /** Whether the call may still take effect although it is failing: see {@link #undecided}. */
  boolean mayHaveTakenEffect() {
    return op.appends && undecided;
  }

  String what() {
    return op.what;
  }

  /** For an append of unknown outcome: "the propose may or may not have been applied". */
  String unknownOutcome() {
    return "the " + op.what + " " + mayOrMayNot();
  }

  /** "may or may not have been applied" (a propose) or "... taken effect" (a membership change). */
  String mayOrMayNot() {
    return op == Op.PROPOSE
        ? "may or may not have been applied"
        : "may or may not have taken effect";
  }

  /** Whether a successful answer of this shape is the one this call expects. */
  boolean expects(ClientResponse.BodyCase body) {
    return body
        == (op == Op.PROPOSE || op == Op.QUERY || op == Op.REGISTER
            ? ClientResponse.BodyCase.APPLIED
            : ClientResponse.BodyCase.ADMIN);
  }
}
