package io.raftjvm.counter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.client.ClientException;
import io.raftjvm.client.ClientException.Kind;
import io.raftjvm.client.proto.Applied;
import io.raftjvm.client.proto.ClientError;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import io.raftjvm.counter.CounterCommands;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The counter CLI: usage errors (2), results against an in-test server speaking the client
 * protocol, failures (1) and outcome unknown (3).
 */
class CounterCliTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return CounterCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
        .execute(args);
  }

  private static ClientResponse applied(ClientRequest r, byte[] result) {
    return ClientResponse.newBuilder()
        .setRequestId(r.getRequestId())
        .setApplied(Applied.newBuilder().setIndex(1).setResult(ByteString.copyFrom(result)))
        .build();
  }

  /** A one-server "cluster" holding a counter. */
  private static Function<ClientRequest, ClientResponse> counter(AtomicLong value) {
    return r -> {
      if (r.hasPropose()) {
        CounterCommands.Command c =
            CounterCommands.decodeCommand(r.getPropose().getCommand().toByteArray());
        return applied(r, CounterCommands.encodeValue(value.addAndGet(c.delta())));
      }
      return applied(r, CounterCommands.encodeValue(value.get()));
    };
  }

  @Test
  void addPrintsTheNewValueAndGetTheValue() throws Exception {
    AtomicLong value = new AtomicLong(10);
    try (FakeServer server = new FakeServer(counter(value))) {
      assertEquals(0, run("--cluster", server.address(), "add", "5"), err.toString());
      assertEquals("15", out.toString().strip());
      FakeServer.Received got = server.received.poll(10, TimeUnit.SECONDS);
      assertTrue(got.request().hasRegisterSession(), "the add opens an exactly-once session first");
      got = server.received.poll(10, TimeUnit.SECONDS);
      assertTrue(got.request().hasPropose());
      assertTrue(
          got.request().getPropose().getSession() != 0
              && got.request().getPropose().getSequence() == 1);
      assertEquals(
          ByteString.copyFrom(CounterCommands.add(5)), got.request().getPropose().getCommand());
      assertEquals(
          "counter",
          server.hellos.get(0).getStateMachine(),
          "the tools tell the server which state machine their commands are for");
      out.getBuffer().setLength(0);
      assertEquals(0, run("--cluster", server.address(), "add", "-20"), err.toString());
      assertEquals("-5", out.toString().strip());
      out.getBuffer().setLength(0);
      assertEquals(0, run("--cluster", server.address(), "get"), err.toString());
      assertEquals("-5", out.toString().strip());
      assertEquals("", err.toString());
    }
  }

  @Test
  void optionsMayFollowTheCommand() throws Exception {
    try (FakeServer server = new FakeServer(counter(new AtomicLong(3)))) {
      assertEquals(
          0, run("get", "--cluster", server.address(), "--timeout", "10s"), err.toString());
      assertEquals("3", out.toString().strip());
    }
  }

  @Test
  void aRefusedAddFails() throws Exception {
    try (FakeServer server = new FakeServer(r -> applied(r, CounterCommands.rejected()))) {
      assertEquals(1, run("--cluster", server.address(), "add", "1"));
      assertEquals(
          "counter: the counter refused the add of 1 (the value would overflow);"
              + " nothing changed",
          err.toString().strip());
      assertEquals("", out.toString());
    }
  }

  /** Opens sessions, then answers proposes through {@code then} (null: never). */
  private static Function<ClientRequest, ClientResponse> sessionsThen(
      Function<ClientRequest, ClientResponse> then) {
    return r -> r.hasRegisterSession() ? applied(r, new byte[0]) : then.apply(r);
  }

  @Test
  void noAnswerMeansOutcomeUnknown() throws Exception {
    try (FakeServer server = new FakeServer(sessionsThen(r -> null))) {
      assertEquals(3, run("--cluster", server.address(), "--timeout", "2s", "add", "5"));
      assertEquals(
          "counter: no answer from the cluster within 2 s: the add may or may not"
              + " have been applied",
          err.toString().strip());
      assertEquals("", out.toString());
    }
  }

  @Test
  void anAddNeverSentBecauseNoSessionOpenedFailsWithNothingChanged() throws Exception {
    try (FakeServer server = new FakeServer(r -> null)) {
      assertEquals(1, run("--cluster", server.address(), "--timeout", "1s", "add", "5"));
      assertTrue(
          err.toString()
              .startsWith("counter: no session could be opened, so the command was not sent"),
          err.toString());
      assertEquals(1, err.toString().lines().count());
    }
  }

  @Test
  void aGetWithNoAnswerFails() throws Exception {
    try (FakeServer server = new FakeServer(r -> null)) {
      assertEquals(1, run("--cluster", server.address(), "--timeout", "300ms", "get"));
      assertTrue(
          err.toString().startsWith("counter: no answer from the cluster within 300 ms"),
          err.toString());
      assertEquals(1, err.toString().lines().count());
    }
  }

  @Test
  void anUnreachableClusterFailsWithNothingChanged() throws Exception {
    int port;
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = ss.getLocalPort();
    }
    assertEquals(1, run("--cluster", "127.0.0.1:" + port, "--timeout", "300ms", "add", "5"));
    assertTrue(
        err.toString().startsWith("counter: no answer from the cluster within 300 ms"),
        err.toString());
    assertEquals(1, err.toString().lines().count());
  }

  /**
   * The add is retried in its session after LEADERSHIP_LOST; once nothing answers, it stays
   * undecided.
   */
  @Test
  void leadershipLostThenSilenceIsOutcomeUnknown() throws Exception {
    java.util.concurrent.atomic.AtomicInteger proposes =
        new java.util.concurrent.atomic.AtomicInteger();
    try (FakeServer server =
        new FakeServer(
            sessionsThen(
                r ->
                    proposes.incrementAndGet() > 1
                        ? null
                        : ClientResponse.newBuilder()
                            .setRequestId(r.getRequestId())
                            .setError(
                                ClientError.newBuilder()
                                    .setCode(ClientError.Code.LEADERSHIP_LOST)
                                    .setMessage("leader stepped down"))
                            .build()))) {
      assertEquals(3, run("--cluster", server.address(), "--timeout", "2s", "add", "5"));
      assertEquals(
          "counter: no answer from the cluster within 2 s: the add may or may not have been applied",
          err.toString().strip());
      assertTrue(proposes.get() >= 2, "retried after LEADERSHIP_LOST");
    }
  }

  @Test
  void usageErrors() {
    assertEquals(2, run("add", "5"));
    assertEquals(
        "counter: Missing required option: '--cluster=HOST:PORT[,HOST:PORT...]'"
            + " (see counter --help)",
        err.toString().strip());
    err.getBuffer().setLength(0);
    assertEquals(2, run("--cluster", "h:1"));
    assertEquals(
        "counter: missing command: add DELTA or get (see counter --help)", err.toString().strip());
    err.getBuffer().setLength(0);
    assertEquals(2, run("--cluster", "h:1", "add"));
    assertEquals(
        "counter: Missing required parameter: 'DELTA' (see counter --help)",
        err.toString().strip());
    err.getBuffer().setLength(0);
    assertEquals(2, run("--cluster", "h:1", "add", "five"));
    assertTrue(err.toString().contains("'five' is not a long"), err.toString());
    err.getBuffer().setLength(0);
    assertEquals(2, run("--cluster", "nohostport", "get"));
    assertTrue(
        err.toString().contains("expected host:port, but 'nohostport' has no port"),
        err.toString());
    err.getBuffer().setLength(0);
    assertEquals(2, run("--cluster", "h:1", "inc", "5"));
    assertEquals(1, err.toString().lines().count(), err.toString());
    assertEquals("", out.toString());
  }

  @Test
  void failureMessages() {
    Duration t = Duration.ofSeconds(5);
    assertEquals(
        "no answer from the cluster within 5 s: the add may or may not have been applied",
        CounterCli.failureMessage(new ClientException(Kind.TIMEOUT_OUTCOME_UNKNOWN, "x"), true, t));
    assertEquals(
        "the connection was lost after the add was sent: the add may or may not have"
            + " been applied",
        CounterCli.failureMessage(
            new ClientException(Kind.CONNECTION_LOST_OUTCOME_UNKNOWN, "x"), true, t));
    assertEquals(
        "client closed: the add may or may not have been applied",
        CounterCli.failureMessage(
            new ClientException(Kind.CLOSED_OUTCOME_UNKNOWN, "client closed"), true, t));
    assertEquals(
        "client closed",
        CounterCli.failureMessage(new ClientException(Kind.CLOSED, "client closed"), true, t));
    assertEquals(
        "no leader",
        CounterCli.failureMessage(
            new ClientException(Kind.NOT_LEADER_UNKNOWN, "no leader"), true, t));
    assertEquals(
        "timed out",
        CounterCli.failureMessage(
            new ClientException(Kind.TIMEOUT_OUTCOME_UNKNOWN, "timed out"), false, t));
  }
}
