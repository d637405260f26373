package io.raftjvm.counter.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.client.proto.Applied;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import io.raftjvm.counter.CounterCommands;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole benchmark command against a one-server fake speaking the client protocol: the exit code
 * follows the verification, which reads the replica with a local query.
 */
class CounterBenchTest {
  @TempDir Path tmp;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return CounterBench.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
        .execute(args);
  }

  /** A counter; local reads answer {@code value + localSkew} (a diverged replica when not 0). */
  private static Function<ClientRequest, ClientResponse> counter(AtomicLong value, long localSkew) {
    return r -> {
      long v;
      if (r.hasPropose()) {
        v =
            value.addAndGet(
                CounterCommands.decodeCommand(r.getPropose().getCommand().toByteArray()).delta());
      } else {
        v = value.get() + (r.getQuery().getLocal() ? localSkew : 0);
      }
      return ClientResponse.newBuilder()
          .setRequestId(r.getRequestId())
          .setApplied(
              Applied.newBuilder()
                  .setIndex(1)
                  .setResult(ByteString.copyFrom(CounterCommands.encodeValue(v))))
          .build();
    };
  }

  @Test
  void passesAndPrintsOneJsonObject() throws Exception {
    AtomicLong value = new AtomicLong(7);
    Path history = tmp.resolve("h.jsonl");
    try (FakeServer server = new FakeServer(counter(value, 0))) {
      int exit =
          run(
              "--cluster",
              server.address(),
              "--concurrency",
              "4",
              "--warmup",
              "0s",
              "--duration",
              "300ms",
              "--payload",
              "32",
              "--history",
              history.toString(),
              "--json");
      assertEquals(0, exit, out + "\n" + err);
      String json = out.toString().strip();
      assertEquals(1, json.lines().count(), json);
      assertTrue(
          json.startsWith("{\"cluster\":[\"" + server.address() + "\"],\"concurrency\":4,"), json);
      assertTrue(
          json.contains(
              "\"verification\":{\"passed\":true,\"start\":7,\"ackedDelta\":"
                  + (value.get() - 7)
                  + ","),
          json);
      assertTrue(json.endsWith(",\"passed\":true}"), json);
      List<String> lines = Files.readAllLines(history, StandardCharsets.UTF_8);
      assertEquals(value.get() - 7, lines.size());
      assertTrue(
          server.received.stream()
              .filter(r -> r.request().hasPropose())
              .allMatch(r -> r.request().getPropose().getCommand().size() == 32));
      assertTrue(
          server.received.stream()
              .anyMatch(r -> r.request().hasQuery() && r.request().getQuery().getLocal()),
          "the replica was read locally");
    }
  }

  @Test
  void aDivergedReplicaFailsTheRun() throws Exception {
    try (FakeServer server = new FakeServer(counter(new AtomicLong(), 1))) {
      int exit =
          run(
              "--cluster",
              server.address(),
              "--concurrency",
              "2",
              "--warmup",
              "0s",
              "--duration",
              "200ms",
              "--verify-timeout",
              "500ms");
      assertEquals(1, exit, out + "\n" + err);
      assertTrue(
          out.toString().contains("verification: FAILED: " + server.address() + " has "),
          out.toString());
    }
  }

  @Test
  void anUnreachableClusterCannotStart() throws Exception {
    int port;
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = ss.getLocalPort();
    }
    assertEquals(
        1,
        run("--cluster", "127.0.0.1:" + port, "--timeout", "200ms", "--verify-timeout", "300ms"));
    assertTrue(
        err.toString()
            .contains(
                "counter-bench: cannot read the counter's starting value:"
                    + " no answer from the cluster within 200 ms"),
        err.toString());
    assertEquals("", out.toString());
  }

  @Test
  void anUnwritableHistoryFileCannotStart() throws Exception {
    Path dir = tmp.resolve("missing-dir").resolve("h.jsonl");
    assertEquals(1, run("--cluster", "127.0.0.1:1", "--history", dir.toString()));
    assertTrue(
        err.toString().startsWith("counter-bench: cannot write the history to " + dir),
        err.toString());
  }
}
