package io.raftjvm.transport;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.EventExecutor;
import io.raftjvm.client.ProtocolVersion;
import io.raftjvm.client.proto.ClientError;
import io.raftjvm.client.proto.ClientHello;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one client connection: hands each request to the {@link ClientService} and writes the
 * answer when its future completes, in completion order (answers carry the request_id). Never
 * blocks: completions from other threads hop to the channel's loop.
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

  ClientRequestHandler(ClientService service, int maxOutstanding) {
    this.service = service;
    this.maxOutstanding = maxOutstanding;
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
    CompletableFuture<ClientResponse> answer;
    try {
      answer = service.handle(request);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    if (answer == null) {
      answer = CompletableFuture.failedFuture(new IllegalStateException("service gave no answer"));
    }
    answer.whenComplete((response, failure) -> onAnswer(ctx, id, response, failure));
  }

  private void onAnswer(
      ChannelHandlerContext ctx, long id, ClientResponse response, Throwable failure) {
    EventExecutor loop = ctx.executor();
    if (loop.inEventLoop()) {
      answer(ctx, id, response, failure);
      return;
    }
    try {
      loop.execute(() -> answer(ctx, id, response, failure));
    } catch (RejectedExecutionException e) {
      LOG.debug("loop shut down; answer to request {} dropped", id);
    }
  }

  private void answer(
      ChannelHandlerContext ctx, long id, ClientResponse response, Throwable failure) {
    outstanding--;
    if (failure != null) {
      respond(ctx, error(id, ClientError.Code.UNKNOWN, describe(failure)));
    } else if (response == null) {
      respond(ctx, error(id, ClientError.Code.UNKNOWN, "service answered null"));
    } else if (response.getRequestId() != id) {
      respond(ctx, response.toBuilder().setRequestId(id).build());
    } else {
      respond(ctx, response);
    }
  }

  /** Writes and flushes; FlushConsolidationHandler merges the flushes of one burst. */
  private void respond(ChannelHandlerContext ctx, ClientResponse response) {
    service.answered(response);
    if (ctx.channel().isActive()) {
      ctx.writeAndFlush(response);
    }
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
