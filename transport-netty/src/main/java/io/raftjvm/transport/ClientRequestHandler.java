package io.raftjvm.transport;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.raftjvm.client.Framing;
import io.raftjvm.client.ProtocolVersion;
import io.raftjvm.client.proto.ClientError;
import io.raftjvm.client.proto.ClientHello;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one client connection: hands each request to the {@link ClientService} and writes the
 * answer when its future completes, in completion order (answers carry the request_id). Never
 * blocks: completions from other threads hop to the channel's loop, in batches: the first answer
 * completed while none waits queues one task there, which writes every answer that arrived before
 * it runs and flushes once.
 *
 * <p>When the service names a {@link ClientService#requestTimeout()}, this handler times its
 * proposals, session registrations and queries out itself: they wait in arrival order, and a sweep
 * a few times per timeout answers those past their deadline with {@link
 * ClientService#timedOut(long)} (an answer that comes later is dropped). That costs a field per
 * request instead of a timer scheduled and cancelled per request.
 *
 * <p>Per channel, not {@code @Sharable}: it counts the connection's unanswered requests. Beyond
 * {@code maxOutstanding} a request is answered UNAVAILABLE at once. A request with no body or an
 * empty command is answered BAD_REQUEST. Failures of the connection itself (an oversized frame,
 * undecodable bytes, any exception) are left to the {@link CloseOnErrorHandler} after it. While the
 * channel is not writable (the client does not read its answers) reading pauses, so the outbound
 * buffer stays bounded.
 */
final class ClientRequestHandler extends SimpleChannelInboundHandler<ClientRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(ClientRequestHandler.class);

  private final ClientService service;

  /** Most requests this connection may have with the service at once. */
  private final int maxOutstanding;

  /** Requests handed to the service and not yet answered. Mutated on the channel's loop only. */
  private int outstanding;

  /** The client's hello was refused: everything after it is dropped unread. Channel loop only. */
  private boolean refused;

  /** The service's request timeout in nanoseconds; 0 when the service times requests out. */
  private final long timeoutNanos;

  /**
   * Timed requests in arrival order; its head is never answered ({@link #settle} drops answered
   * ones from the head), so answered ones stay only behind one still outstanding. Loop only.
   */
  private final ArrayDeque<Pending> timed = new ArrayDeque<>();

  /** Runs {@link #sweep} while the channel is registered (when timing requests out). */
  private ScheduledFuture<?> sweeper;

  /** Answers completed off the channel's loop, for the one queued task to write; under lock. */
  private List<Answer> answers = new ArrayList<>();

  /** A task to write {@link #answers} is queued on the channel's loop; under lock. */
  private boolean answersQueued;

  private final Object lock = new Object();

  /** Beyond this many timed requests kept, answered ones are dropped before the next sweep. */
  private static final int COMPACT_AT = 1 << 16;

  /**
   * A request handed to the service; answered once, by the service or by the sweep. It is also
   * where the service hands its answer, from whichever thread.
   */
  private final class Pending implements BiConsumer<ClientResponse, Throwable> {
    final long id;
    final long deadlineNanos;
    final ChannelHandlerContext ctx;

    /** Loop only. */
    boolean answered;

    Pending(long id, long deadlineNanos, ChannelHandlerContext ctx) {
      this.id = id;
      this.deadlineNanos = deadlineNanos;
      this.ctx = ctx;
    }

    @Override
    public void accept(ClientResponse response, Throwable failure) {
      onAnswer(ctx, this, response, failure);
    }
  }

  /** The service's answer (or failure) to a request. */
  private record Answer(Pending request, ClientResponse response, Throwable failure) {}

  ClientRequestHandler(ClientService service, int maxOutstanding) {
    this.service = service;
    this.maxOutstanding = maxOutstanding;
    Duration timeout = service.requestTimeout();
    this.timeoutNanos = timeout == null ? 0 : Math.max(1, timeout.toNanos());
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (timeoutNanos == 0) return;
    long period =
        Math.min(Math.max(timeoutNanos / 20, MILLISECONDS.toNanos(5)), SECONDS.toNanos(1));
    sweeper =
        ctx.executor().scheduleAtFixedRate(() -> sweep(ctx), period, period, TimeUnit.NANOSECONDS);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (sweeper != null) sweeper.cancel(false);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (sweeper != null) sweeper.cancel(false);
    timed.clear();
    super.channelInactive(ctx);
  }

  /**
   * Drops the answered requests at the head of {@link #timed} at once rather than at the next
   * sweep: answers come back about in arrival order, so the queue holds little more than the
   * requests still outstanding instead of every request of the last sweep period (70,000 of them at
   * 140,000 requests/s with the 10 s timeout's 500 ms sweeps), which every young collection copied.
   */
  private void dropAnsweredHead() {
    Pending h;
    while ((h = timed.peekFirst()) != null && h.answered) timed.pollFirst();
  }

  /** Timed requests still queued, answered or not (tests). Loop only. */
  int timedQueued() {
    return timed.size();
  }

  /**
   * Answers the timed requests past their deadline (answering one drops the answered ones behind
   * it).
   */
  private void sweep(ChannelHandlerContext ctx) {
    long now = ctx.executor().ticker().nanoTime();
    boolean wrote = false;
    Pending p;
    while ((p = timed.peekFirst()) != null && p.deadlineNanos - now <= 0) {
      timed.pollFirst();
      wrote |= write(ctx, p, service.timedOut(p.id), null);
    }
    if (wrote) ctx.flush();
  }

  /** Answers the hello with why, reads nothing more, and closes once the answer is out. */
  private void refuse(ChannelHandlerContext ctx, ClientError.Code code, String why) {
    refused = true;
    LOG.warn("refused client {}: {}", ctx.channel().remoteAddress(), why);
    ctx.writeAndFlush(error(0, code, why)).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, ClientRequest request) {
    if (refused) return;
    if (request.hasHello()) {
      ClientHello hello = request.getHello();
      String incompatible =
          ProtocolVersion.CLIENT.refusal(
              "the client", hello.getProtocolVersion(), hello.getMinProtocolVersion());
      if (incompatible != null) {
        refuse(ctx, ClientError.Code.INCOMPATIBLE_VERSION, incompatible);
        return;
      }
      String why = service.refuse(hello);
      if (why != null) refuse(ctx, ClientError.Code.WRONG_CLUSTER, why);
      return;
    }
    long id = request.getRequestId();
    String invalid = validate(request);
    if (invalid != null) {
      respond(ctx, error(id, ClientError.Code.BAD_REQUEST, invalid));
      return;
    }
    if (request.hasAdmin()) {
      String forbidden =
          service.refuseAdmin(request.getAdmin(), TlsLayer.peerCertificate(ctx.channel()));
      if (forbidden != null) {
        LOG.warn(
            "refused {} from the client at {}: {}",
            request.getAdmin().getOpCase().name().toLowerCase(java.util.Locale.ROOT),
            ctx.channel().remoteAddress(),
            forbidden);
        respond(ctx, error(id, ClientError.Code.FORBIDDEN, forbidden));
        return;
      }
    }
    if (outstanding >= maxOutstanding) {
      respond(
          ctx,
          error(
              id,
              ClientError.Code.UNAVAILABLE,
              "too many outstanding requests on this connection (max " + maxOutstanding + ")"));
      return;
    }
    outstanding++;
    Pending p;
    if (timeoutNanos != 0 && !request.hasAdmin()) {
      p = new Pending(id, ctx.executor().ticker().nanoTime() + timeoutNanos, ctx);
      timed.addLast(p);
      if (timed.size() > COMPACT_AT) timed.removeIf(x -> x.answered);
    } else {
      p = new Pending(id, Long.MAX_VALUE, ctx);
    }
    try {
      service.handle(request, p);
    } catch (RuntimeException e) {
      p.accept(null, e); // ignored if the service answered before it threw
    }
  }

  private void onAnswer(
      ChannelHandlerContext ctx, Pending p, ClientResponse response, Throwable failure) {
    EventExecutor loop = ctx.executor();
    if (loop.inEventLoop()) {
      if (write(ctx, p, response, failure)) ctx.flush();
      return;
    }
    boolean queue;
    synchronized (lock) {
      answers.add(new Answer(p, response, failure));
      queue = !answersQueued;
      answersQueued = true;
    }
    if (!queue) return;
    try {
      loop.execute(() -> writeAnswers(ctx));
    } catch (RejectedExecutionException e) {
      LOG.debug("loop shut down; answer to request {} dropped", p.id);
    }
  }

  /**
   * On the loop: writes every answer completed elsewhere since the last such task, as one buffer,
   * and flushes once.
   */
  private void writeAnswers(ChannelHandlerContext ctx) {
    List<Answer> batch;
    synchronized (lock) {
      batch = answers;
      answers = new ArrayList<>(Math.max(16, batch.size()));
      answersQueued = false;
    }
    List<ClientResponse> out = new ArrayList<>(batch.size());
    for (Answer a : batch) {
      ClientResponse r = settle(a.request(), a.response(), a.failure());
      if (r != null) {
        service.answered(r);
        out.add(r);
      }
    }
    if (!out.isEmpty() && ctx.channel().isActive()) ctx.writeAndFlush(Framing.frames(out));
  }

  /**
   * Writes the answer to request p, unless it was answered already (timed out); true if written
   * (the caller flushes).
   */
  private boolean write(
      ChannelHandlerContext ctx, Pending p, ClientResponse response, Throwable failure) {
    ClientResponse out = settle(p, response, failure);
    return out != null && send(ctx, out);
  }

  /**
   * Marks request p answered and returns what to send it, or null when it was answered already
   * (timed out).
   */
  private ClientResponse settle(Pending p, ClientResponse response, Throwable failure) {
    if (p.answered) return null;
    p.answered = true;
    outstanding--;
    dropAnsweredHead();
    long id = p.id;
    if (failure != null) return error(id, ClientError.Code.UNKNOWN, describe(failure));
    if (response == null) return error(id, ClientError.Code.UNKNOWN, "service answered null");
    if (response.getRequestId() != id) return response.toBuilder().setRequestId(id).build();
    return response;
  }

  /** Writes and flushes; FlushConsolidationHandler merges the flushes of one burst. */
  private void respond(ChannelHandlerContext ctx, ClientResponse response) {
    if (send(ctx, response)) ctx.flush();
  }

  /**
   * Counts the answer and writes it unless the channel is closed; true if written (not flushed).
   */
  private boolean send(ChannelHandlerContext ctx, ClientResponse response) {
    service.answered(response);
    if (!ctx.channel().isActive()) return false;
    ctx.write(response);
    return true;
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    ctx.channel().config().setAutoRead(ctx.channel().isWritable());
    ctx.fireChannelWritabilityChanged();
  }

  private static String validate(ClientRequest request) {
    switch (request.getBodyCase()) {
      case PROPOSE:
        if (request.getPropose().getCommand().isEmpty()) return "propose has an empty command";
        return request.getPropose().getSession() != 0 && request.getPropose().getSequence() == 0
            ? "propose in a session needs a sequence number from 1"
            : null;
      case REGISTER_SESSION:
        return null;
      case QUERY:
        return null;
      case ADMIN:
        return request.getAdmin().getOpCase() == io.raftjvm.client.proto.Admin.OpCase.OP_NOT_SET
            ? "admin request has no operation"
            : null;
      default:
        return "request has no body (expected propose, query, admin or register_session)";
    }
  }

  private static String describe(Throwable failure) {
    Throwable t =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    return t.getMessage() != null ? t.getMessage() : t.getClass().getName();
  }

  private static ClientResponse error(long id, ClientError.Code code, String message) {
    return ClientResponse.newBuilder()
        .setRequestId(id)
        .setError(ClientError.newBuilder().setCode(code).setMessage(message))
        .build();
  }
}
