package io.raftjvm.counter.tools;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.client.proto.Applied;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import io.raftjvm.tools.RaftClientCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** bin/raft-client.sh against a fake server: bytes in, bytes out, exit codes, usage errors. */
class RaftClientCliTest {
  @TempDir Path tmp;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final ByteArrayOutputStream raw = new ByteArrayOutputStream();

  /** A leader that answers a propose with its command reversed and a query with "q:" + query. */
  private static ClientResponse echo(ClientRequest r) {
    byte[] result;
    if (r.hasRegisterSession()) result = new byte[0];
    else if (r.hasPropose()) result = reversed(r.getPropose().getCommand().toByteArray());
    else result = ("q:" + r.getQuery().getQuery().toStringUtf8()).getBytes(UTF_8);
    return ClientResponse.newBuilder()
        .setRequestId(r.getRequestId())
        .setApplied(Applied.newBuilder().setIndex(7).setResult(ByteString.copyFrom(result)))
        .build();
  }

  private static byte[] reversed(byte[] b) {
    byte[] r = new byte[b.length];
    for (int i = 0; i < b.length; i++) r[i] = b[b.length - 1 - i];
    return r;
  }

  private int run(String... args) {
    return RaftClientCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true), raw)
        .execute(args);
  }

  @Test
  void proposesAndQueriesInAnyEncoding() throws Exception {
    try (FakeServer server = new FakeServer(RaftClientCliTest::echo)) {
      assertEquals(
          0, run("--cluster", server.address(), "propose", "--utf8", "abc"), err.toString());
      assertEquals("cba\n", out.toString());
      out.getBuffer().setLength(0);
      assertEquals(
          0,
          run("--cluster", server.address(), "propose", "--hex", "0102ff", "--out", "hex"),
          err.toString());
      assertEquals("ff0201\n", out.toString());
      Path f = Files.write(tmp.resolve("cmd.bin"), new byte[] {9, 8, 7});
      assertEquals(
          0,
          run("--cluster", server.address(), "propose", "--file", f.toString(), "--out", "raw"),
          err.toString());
      assertArrayEquals(new byte[] {7, 8, 9}, raw.toByteArray());
      out.getBuffer().setLength(0);
      assertEquals(0, run("--cluster", server.address(), "query", "--utf8", "x"), err.toString());
      assertEquals("q:x\n", out.toString());
      assertEquals("", err.toString());
    }
  }

  @Test
  void theStateMachineNamedIsSentInTheHello() throws Exception {
    try (FakeServer server = new FakeServer(RaftClientCliTest::echo)) {
      assertEquals(
          0,
          run("--cluster", server.address(), "--state-machine", "kv", "query", "--utf8", "x"),
          err.toString());
      assertEquals("kv", server.hellos.get(0).getStateMachine());
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "propose                              | Error: Missing required argument",
        "propose --utf8 a --hex 01            | mutually exclusive",
        "propose --hex zz                     | Invalid value for option '--hex'",
        "query --utf8 a --out base64          | Invalid value for option '--out'",
        "propose --file /no/such/file         | cannot read --file /no/such/file"
      })
  void usageErrorsAreOneLineAndExitTwo(String args, String expected) throws Exception {
    try (FakeServer server = new FakeServer(RaftClientCliTest::echo)) {
      String[] tail = args.trim().split("\\s+");
      String[] all = new String[tail.length + 2];
      all[0] = "--cluster";
      all[1] = server.address();
      System.arraycopy(tail, 0, all, 2, tail.length);
      assertEquals(2, run(all));
      assertTrue(err.toString().contains(expected), err.toString());
      assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }
  }

  @Test
  void anUnreachableClusterFailsWithNothingApplied() {
    assertEquals(
        1,
        run("--cluster", "127.0.0.1:1", "--timeout", "1s", "query", "--utf8", "x"),
        err.toString());
    assertTrue(err.toString().startsWith("raft-client: "), err.toString());
  }
}
