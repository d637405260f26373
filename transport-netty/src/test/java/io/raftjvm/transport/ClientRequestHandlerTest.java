package io.raftjvm.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.raftjvm.client.proto.Applied;
import io.raftjvm.client.proto.ClientError;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import io.raftjvm.client.proto.Propose;
import io.raftjvm.client.proto.Query;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The client port's pipeline in memory: framing, validation, ordering, limits and bad input. */
class ClientRequestHandlerTest {
  private static final int MAX_FRAME = 256;

  /** Requests the service received, by request_id, with the future it returned. */
  private final Map<Long, CompletableFuture<ClientResponse>> held = new LinkedHashMap<>();

  private final ListAppender<ILoggingEvent> log = new ListAppender<>();

  /** Where the pipeline reports failures of the connection. */
  private final List<Logger> loggers =
      List.of(
          (Logger) LoggerFactory.getLogger(ClientRequestHandler.class),
          (Logger) LoggerFactory.getLogger(CloseOnErrorHandler.class));

  private EmbeddedChannel channel;

  @BeforeEach
  void setUp() {
    log.start();
    loggers.forEach(l -> l.addAppender(log));
    channel = channel(2);
  }

  @AfterEach
  void tearDown() {
    loggers.forEach(l -> l.detachAppender(log));
    channel.finishAndReleaseAll();
  }

  private EmbeddedChannel channel(int maxOutstanding) {
    return channel(maxOutstanding, null);
  }

  private EmbeddedChannel channel(int maxOutstanding, Duration timeout) {
    // Refuses a client that expects any state machine but "list".
    ClientService service =
        new ClientService() {
          @Override
          public CompletableFuture<ClientResponse> handle(ClientRequest request) {
            CompletableFuture<ClientResponse> f = new CompletableFuture<>();
            held.put(request.getRequestId(), f);
            return f;
          }

          @Override
          public Duration requestTimeout() {
            return timeout;
          }

          @Override
          public String refuse(io.raftjvm.client.proto.ClientHello hello) {
            return hello.getStateMachine().isEmpty() || hello.getStateMachine().equals("list")
                ? null
                : "this cluster runs state machine 'list', not '" + hello.getStateMachine() + "'";
          }
        };
    return new EmbeddedChannel(
        new ClientServerInitializer(
            service, MAX_FRAME, FrameBudget.UNLIMITED, maxOutstanding, null));
  }

  private static ClientRequest hello(String stateMachine) {
    return ClientRequest.newBuilder()
        .setHello(io.raftjvm.client.proto.ClientHello.newBuilder().setStateMachine(stateMachine))
        .build();
  }

  @Test
  void aMatchingHelloIsNotAnsweredAndRequestsFollow() throws Exception {
    send(hello("list"));
    assertEquals(List.of(), responses());
    send(propose(7, "abc"));
    assertEquals(List.of(7L), List.copyOf(held.keySet()));
  }

  /**
   * A refused hello is answered WRONG_CLUSTER; what follows it is never read; the channel closes.
   */
  @Test
  void aMismatchedHelloIsRefusedAndNothingAfterItIsHandled() throws Exception {
    send(hello("counter"), propose(8, "abc")); // pipelined, as a client sends them
    channel.runPendingTasks();
    List<ClientResponse> out = responses();
    assertEquals(1, out.size());
    assertEquals(0, out.get(0).getRequestId());
    assertEquals(ClientError.Code.WRONG_CLUSTER, out.get(0).getError().getCode());
    assertEquals(
        "this cluster runs state machine 'list', not 'counter'",
        out.get(0).getError().getMessage());
    assertTrue(held.isEmpty(), "the propose after the refused hello never reached the service");
    assertFalse(channel.isActive());
  }

  /**
   * A client with no client protocol version in common is answered INCOMPATIBLE_VERSION naming
   * both, whatever else its hello says; nothing after it is read.
   */
  @Test
  void aClientOfAnIncompatibleProtocolVersionIsRefusedNamingBoth() throws Exception {
    ClientRequest tooNew =
        ClientRequest.newBuilder()
            .setHello(
                io.raftjvm.client.proto.ClientHello.newBuilder()
                    .setStateMachine("list")
                    .setProtocolVersion(2)
                    .setMinProtocolVersion(2))
            .build();
    send(tooNew, propose(8, "abc"));
    channel.runPendingTasks();
    List<ClientResponse> out = responses();
    assertEquals(1, out.size());
    assertEquals(ClientError.Code.INCOMPATIBLE_VERSION, out.get(0).getError().getCode());
    assertEquals(
        "the client speaks client protocol 2, this server 1 (no version in common: upgrade this"
            + " server)",
        out.get(0).getError().getMessage());
    assertTrue(held.isEmpty());
    assertFalse(channel.isActive());
  }

  @Test
  void requestReachesServiceAndAnswerKeepsRequestId() throws Exception {
    send(propose(42, "abc"));
    assertEquals(List.of(42L), List.copyOf(held.keySet()));
    held.get(42L).complete(applied(0, "cba")); // the service may leave request_id unset
    channel.runPendingTasks();

    List<ClientResponse> out = responses();
    assertEquals(1, out.size());
    assertEquals(42, out.get(0).getRequestId());
    assertEquals("cba", out.get(0).getApplied().getResult().toStringUtf8());
  }

  @Test
  void answersLeaveInCompletionOrder() throws Exception {
    channel.close();
    channel = channel(10);
    send(propose(1, "a"), propose(2, "b"), query(3, "c"));
    held.get(3L).complete(applied(3, "third"));
    held.get(1L).complete(applied(1, "first"));
    channel.runPendingTasks();
    held.get(2L).complete(applied(2, "second"));
    channel.runPendingTasks();

    assertEquals(
        List.of(3L, 1L, 2L),
        responses().stream().map(ClientResponse::getRequestId).collect(Collectors.toList()));
  }

  /**
   * An answered request leaves the timeout queue as soon as every request before it is answered,
   * not at the next sweep (which comes every 500 ms with the default 10 s timeout: a leader kept
   * every request of the last half second alive for its young collections to copy).
   */
  @Test
  void answeredRequestsLeaveTheTimeoutQueueWithoutWaitingForASweep() throws Exception {
    channel.close();
    channel = channel(10, Duration.ofSeconds(10));
    ClientRequestHandler handler = channel.pipeline().get(ClientRequestHandler.class);
    send(propose(1, "a"), propose(2, "b"), query(3, "c"));
    assertEquals(3, handler.timedQueued());
    held.get(2L).complete(applied(2, "second"));
    channel.runPendingTasks();
    assertEquals(3, handler.timedQueued(), "request 1, still outstanding, holds the queue's head");
    held.get(1L).complete(applied(1, "first"));
    channel.runPendingTasks();
    assertEquals(1, handler.timedQueued(), "1 and 2 answered: only 3 is left");
    held.get(3L).complete(applied(3, "third"));
    channel.runPendingTasks();
    assertEquals(0, handler.timedQueued());
    assertEquals(
        List.of(2L, 1L, 3L),
        responses().stream().map(ClientResponse::getRequestId).collect(Collectors.toList()));
  }

  /**
   * With the service's timeout, the connection answers a proposal or query that waited that long
   * TIMEOUT, once: its late answer is dropped and its slot freed. Admin requests are the service's
   * to time out.
   */
  @Test
  void theConnectionTimesRequestsOutOnceAndDropsLateAnswers() throws Exception {
    channel.close();
    channel = channel(3, Duration.ofMillis(100));
    ClientRequest admin =
        ClientRequest.newBuilder()
            .setRequestId(3)
            .setAdmin(
                io.raftjvm.client.proto.Admin.newBuilder()
                    .setStatus(io.raftjvm.client.proto.StatusRequest.getDefaultInstance()))
            .build();
    send(propose(1, "a"), query(2, "b"), admin);
    channel.advanceTimeBy(60, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
    channel.runPendingTasks(); // the flush, consolidated
    assertEquals(List.of(), responses(), "nothing is due yet");
    held.get(2L).complete(applied(2, "B"));
    channel.runPendingTasks();
    channel.advanceTimeBy(100, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
    channel.runPendingTasks(); // the flush, consolidated
    List<ClientResponse> out = responses();
    assertEquals(2, out.size(), out::toString);
    assertEquals("B", out.get(0).getApplied().getResult().toStringUtf8());
    assertError(out.get(1), 1, ClientError.Code.TIMEOUT, "no answer within 100 ms");

    held.get(1L).complete(applied(1, "late"));
    channel.runPendingTasks();
    channel.advanceTimeBy(1, TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
    channel.runPendingTasks(); // the flush, consolidated
    assertEquals(List.of(), responses(), "the late answer and the admin request: not written");
    send(propose(4, "d"), propose(5, "e"), propose(6, "f"));
    assertTrue(held.containsKey(5L), "the timed-out and the answered request freed their slots");
    assertError(responses().get(0), 6, ClientError.Code.UNAVAILABLE, "too many outstanding");
  }

  @Test
  void emptyProposeAndMissingBodyAreBadRequests() throws Exception {
    send(propose(7, ""), ClientRequest.newBuilder().setRequestId(8).build());

    List<ClientResponse> out = responses();
    assertEquals(2, out.size());
    assertError(out.get(0), 7, ClientError.Code.BAD_REQUEST, "empty command");
    assertError(out.get(1), 8, ClientError.Code.BAD_REQUEST, "no body");
    assertTrue(held.isEmpty(), "the service never sees a bad request");
    assertTrue(channel.isActive(), "a bad request does not close the connection");
  }

  @Test
  void failedServiceFutureAnswersUnknownWithItsMessage() throws Exception {
    send(propose(5, "x"));
    held.get(5L).completeExceptionally(new IllegalStateException("disk on fire"));
    channel.runPendingTasks();

    assertError(responses().get(0), 5, ClientError.Code.UNKNOWN, "disk on fire");
  }

  @Test
  void requestsBeyondTheOutstandingLimitAreUnavailable() throws Exception {
    send(propose(1, "a"), propose(2, "b"), propose(3, "c"));
    List<ClientResponse> out = responses();
    assertEquals(1, out.size());
    assertError(out.get(0), 3, ClientError.Code.UNAVAILABLE, "too many outstanding");
    assertEquals(2, held.size());

    held.get(1L).complete(applied(1, "A"));
    channel.runPendingTasks();
    send(propose(4, "d"));
    assertTrue(held.containsKey(4L), "an answered request frees its slot");
  }

  @Test
  void oversizedFrameClosesWithOneWarning() {
    ByteBuf buf = Unpooled.buffer();
    buf.writeInt(MAX_FRAME * 4).writeZero(MAX_FRAME);
    channel.writeInbound(buf);

    assertFalse(channel.isOpen());
    assertOneWarningNamingRemote("frame too long");
  }

  @Test
  void undecodableBytesCloseWithOneWarning() {
    ByteBuf buf = Unpooled.buffer();
    for (int i = 0; i < 3; i++) { // three bad frames in one read: still one warning
      buf.writeInt(8).writeLong(-1L);
    }
    channel.writeInbound(buf);

    assertFalse(channel.isOpen());
    assertTrue(held.isEmpty());
    assertOneWarningNamingRemote("undecodable frame");
  }

  /** Netty does not wrap an Error from the cumulator in a DecoderException; it is one line too. */
  @Test
  void anErrorInThePipelineClosesWithOneLineAndNoStackTrace() {
    channel
        .pipeline()
        .get(FrameDecoder.class)
        .setCumulator(
            (alloc, cumulation, in) -> {
              in.release();
              throw new OutOfMemoryError("Cannot reserve 4194304 bytes of direct buffer memory");
            });
    channel.writeInbound(Unpooled.buffer().writeInt(100));

    assertFalse(channel.isOpen());
    assertOneWarningNamingRemote(
        "java.lang.OutOfMemoryError: Cannot reserve 4194304 bytes of direct buffer memory");
  }

  @Test
  void connectionThatWouldExceedThePortsBudgetClosesWithOneWarning() {
    FrameBudget budget = new FrameBudget(MAX_FRAME);
    channel.close();
    channel =
        new EmbeddedChannel(
            new ClientServerInitializer(
                request -> new CompletableFuture<>(), MAX_FRAME, budget, 2, null));
    EmbeddedChannel other =
        new EmbeddedChannel(
            new ClientServerInitializer(
                request -> new CompletableFuture<>(), MAX_FRAME, budget, 2, null));
    other.writeInbound(Unpooled.buffer().writeInt(MAX_FRAME - 4).writeZero(MAX_FRAME / 2));
    channel.writeInbound(Unpooled.buffer().writeInt(MAX_FRAME - 4).writeZero(MAX_FRAME / 2));

    assertFalse(channel.isOpen());
    assertTrue(other.isOpen());
    assertOneWarningNamingRemote("would hold more than the budget of " + MAX_FRAME + " bytes");
    other.close();
    assertEquals(0, budget.used());
  }

  private void assertOneWarningNamingRemote(String what) {
    List<ILoggingEvent> warnings = new ArrayList<>();
    for (ILoggingEvent e : log.list) {
      if (e.getLevel() == Level.WARN) {
        warnings.add(e);
      }
    }
    assertEquals(1, warnings.size(), () -> "warnings: " + warnings);
    String line = warnings.get(0).getFormattedMessage();
    assertEquals(null, warnings.get(0).getThrowableProxy(), () -> "no stack trace: " + line);
    assertTrue(line.contains(String.valueOf(channel.remoteAddress())), line);
    assertTrue(line.contains(what), line);
  }

  private void send(ClientRequest... requests) {
    ByteBuf buf = Unpooled.buffer();
    for (ClientRequest r : requests) {
      byte[] bytes = r.toByteArray();
      buf.writeInt(bytes.length).writeBytes(bytes);
    }
    channel.writeInbound(buf);
  }

  /** Every frame written so far, decoded. */
  private List<ClientResponse> responses() throws InvalidProtocolBufferException {
    ByteBuf all = Unpooled.buffer();
    for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
      all.writeBytes(b);
      b.release();
    }
    List<ClientResponse> out = new ArrayList<>();
    while (all.isReadable()) {
      byte[] frame = new byte[all.readInt()];
      all.readBytes(frame);
      out.add(ClientResponse.parseFrom(frame));
    }
    return out;
  }

  private static void assertError(ClientResponse r, long id, ClientError.Code code, String text) {
    assertEquals(id, r.getRequestId());
    assertEquals(code, r.getError().getCode(), r::toString);
    assertTrue(r.getError().getMessage().contains(text), r::toString);
  }

  private static ClientRequest propose(long id, String command) {
    return ClientRequest.newBuilder()
        .setRequestId(id)
        .setPropose(Propose.newBuilder().setClientId(9).setSequence(id).setCommand(utf8(command)))
        .build();
  }

  private static ClientRequest query(long id, String q) {
    return ClientRequest.newBuilder()
        .setRequestId(id)
        .setQuery(Query.newBuilder().setQuery(utf8(q)))
        .build();
  }

  private static ClientResponse applied(long id, String result) {
    return ClientResponse.newBuilder()
        .setRequestId(id)
        .setApplied(Applied.newBuilder().setIndex(1).setResult(utf8(result)))
        .build();
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }
}
