package io.raftjvm.counter.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.client.proto.Applied;
import io.raftjvm.client.proto.ClientError;
import io.raftjvm.client.proto.ClientResponse;
import io.raftjvm.client.proto.NotLeader;
import io.raftjvm.counter.CounterCommands;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The raw single-server client: framing, local flag, answers, failures, reconnects. */
class ReplicaClientTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private static ClientResponse value(long requestId, long value) {
    return ClientResponse.newBuilder()
        .setRequestId(requestId)
        .setApplied(
            Applied.newBuilder()
                .setIndex(7)
                .setResult(ByteString.copyFrom(CounterCommands.encodeValue(value))))
        .build();
  }

  @Test
  void sendsALengthPrefixedLocalGetAndDecodesTheValue() throws Exception {
    try (FakeServer server = new FakeServer(r -> value(r.getRequestId(), 42));
        ReplicaClient client = new ReplicaClient(server.address(), TIMEOUT)) {
      assertEquals(42, client.value());
      FakeServer.Received got = server.received.poll(10, TimeUnit.SECONDS);
      assertEquals(got.frame().length, got.lengthPrefix(), "length prefix = protobuf size");
      assertTrue(got.request().hasQuery());
      assertTrue(got.request().getQuery().getLocal(), "local flag set");
      assertArrayEquals(new byte[] {2}, got.request().getQuery().getQuery().toByteArray());
      assertEquals(1, got.request().getRequestId());
      // the same connection serves the next request with the next id
      assertEquals(42, client.value());
      assertEquals(2, server.received.poll(10, TimeUnit.SECONDS).request().getRequestId());
    }
  }

  @Test
  void exactBytesOnTheWire() throws Exception {
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<byte[]> frame = new CompletableFuture<>();
      Thread t =
          new Thread(
              () -> {
                try (Socket s = ss.accept()) {
                  DataInputStream in = new DataInputStream(s.getInputStream());
                  byte[] prefix = new byte[4];
                  in.readFully(prefix);
                  int n =
                      ((prefix[0] & 0xFF) << 24)
                          | ((prefix[1] & 0xFF) << 16)
                          | ((prefix[2] & 0xFF) << 8)
                          | (prefix[3] & 0xFF);
                  byte[] body = new byte[n];
                  in.readFully(body);
                  byte[] all = new byte[4 + n];
                  System.arraycopy(prefix, 0, all, 0, 4);
                  System.arraycopy(body, 0, all, 4, n);
                  frame.complete(all);
                  byte[] answer = value(1, -3).toByteArray();
                  DataOutputStream out = new DataOutputStream(s.getOutputStream());
                  out.writeInt(answer.length);
                  out.write(answer);
                  out.flush();
                  in.read(); // wait for the client to close
                } catch (IOException e) {
                  frame.completeExceptionally(e);
                }
              });
      t.setDaemon(true);
      t.start();
      try (ReplicaClient client = new ReplicaClient("127.0.0.1:" + ss.getLocalPort(), TIMEOUT)) {
        assertEquals(-3, client.value());
      }
      // ClientRequest{request_id=1 (field 1 varint), query (field 3) = Query{query=0x02,
      // local=true}}
      byte[] expected = {0, 0, 0, 9, 0x08, 0x01, 0x1a, 0x05, 0x0a, 0x01, 0x02, 0x10, 0x01};
      assertArrayEquals(expected, frame.get(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void notLeaderAndErrorsAreIoExceptionsNamingTheServer() throws Exception {
    AtomicLong calls = new AtomicLong();
    try (FakeServer server =
            new FakeServer(
                r -> {
                  if (calls.incrementAndGet() == 1) {
                    return ClientResponse.newBuilder()
                        .setRequestId(r.getRequestId())
                        .setNotLeader(NotLeader.newBuilder().setLeaderId(2))
                        .build();
                  }
                  return ClientResponse.newBuilder()
                      .setRequestId(r.getRequestId())
                      .setError(
                          ClientError.newBuilder()
                              .setCode(ClientError.Code.BAD_REQUEST)
                              .setMessage("query failed"))
                      .build();
                });
        ReplicaClient client = new ReplicaClient(server.address(), TIMEOUT)) {
      IOException notLeader = assertThrows(IOException.class, client::value);
      assertTrue(notLeader.getMessage().contains(server.address()), notLeader.getMessage());
      assertTrue(notLeader.getMessage().contains("NotLeader"), notLeader.getMessage());
      IOException error = assertThrows(IOException.class, client::value);
      assertTrue(error.getMessage().contains("BAD_REQUEST: query failed"), error.getMessage());
    }
  }

  @Test
  void aRefusalOrAWrongSizedResultIsNotAValue() throws Exception {
    try (FakeServer server =
            new FakeServer(
                r ->
                    ClientResponse.newBuilder()
                        .setRequestId(r.getRequestId())
                        .setApplied(
                            Applied.newBuilder()
                                .setResult(ByteString.copyFrom(new byte[] {(byte) 0xFF})))
                        .build());
        ReplicaClient client = new ReplicaClient(server.address(), TIMEOUT)) {
      IOException e = assertThrows(IOException.class, client::value);
      assertTrue(e.getMessage().contains("refusal"), e.getMessage());
    }
  }

  @Test
  void noAnswerTimesOutAndTheNextCallReconnects() throws Exception {
    AtomicLong calls = new AtomicLong();
    try (FakeServer server =
            new FakeServer(r -> calls.incrementAndGet() == 1 ? null : value(r.getRequestId(), 5));
        ReplicaClient client = new ReplicaClient(server.address(), Duration.ofMillis(300))) {
      IOException e = assertThrows(IOException.class, client::value);
      assertTrue(e.getMessage().contains(server.address()), e.getMessage());
      assertEquals(5, client.value());
    }
  }

  @Test
  void unreachableServer() throws Exception {
    int port;
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = ss.getLocalPort();
    }
    try (ReplicaClient client = new ReplicaClient("127.0.0.1:" + port, TIMEOUT)) {
      IOException e = assertThrows(IOException.class, client::value);
      assertTrue(e.getMessage().startsWith("cannot connect to 127.0.0.1:" + port), e.getMessage());
    }
  }

  @Test
  void oversizedFrameIsRefused() throws Exception {
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread t =
          new Thread(
              () -> {
                try (Socket s = ss.accept()) {
                  DataInputStream in = new DataInputStream(s.getInputStream());
                  in.readFully(new byte[4 + 9]);
                  DataOutputStream out = new DataOutputStream(s.getOutputStream());
                  out.writeInt(Integer.MAX_VALUE);
                  out.flush();
                  in.read();
                } catch (IOException e) {
                  // closed
                }
              });
      t.setDaemon(true);
      t.start();
      try (ReplicaClient client = new ReplicaClient("127.0.0.1:" + ss.getLocalPort(), TIMEOUT)) {
        IOException e = assertThrows(IOException.class, client::value);
        assertTrue(e.getMessage().contains("frame of " + Integer.MAX_VALUE), e.getMessage());
      }
    }
  }
}
