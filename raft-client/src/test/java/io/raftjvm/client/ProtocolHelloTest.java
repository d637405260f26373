package io.raftjvm.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftjvm.client.proto.ClientError;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The client states its protocol version in the hello on every connection, and a server's refusal
 * for want of a common version fails the request for good with the server's line.
 */
class ProtocolHelloTest {
  @Test
  void theHelloStatesTheVersionAndARefusalFailsTheRequestForGood() throws Exception {
    String line =
        "the client speaks client protocol 1, this server 2 (no version in common: upgrade the"
            + " client)";
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<ClientRequest> hello = new CompletableFuture<>();
      Thread t =
          new Thread(
              () -> {
                try (Socket s = server.accept()) {
                  DataInputStream in = new DataInputStream(s.getInputStream());
                  byte[] frame = new byte[in.readInt()];
                  in.readFully(frame);
                  hello.complete(ClientRequest.parseFrom(frame));
                  byte[] answer =
                      ClientResponse.newBuilder()
                          .setRequestId(0)
                          .setError(
                              ClientError.newBuilder()
                                  .setCode(ClientError.Code.INCOMPATIBLE_VERSION)
                                  .setMessage(line))
                          .build()
                          .toByteArray();
                  DataOutputStream out = new DataOutputStream(s.getOutputStream());
                  out.writeInt(answer.length);
                  out.write(answer);
                  out.flush();
                } catch (Exception e) {
                  hello.completeExceptionally(e);
                }
              },
              "fake-server");
      t.setDaemon(true);
      t.start();
      String address = "127.0.0.1:" + server.getLocalPort();
      try (RaftClient client =
          RaftClient.create(
              RaftClientOptions.builder(List.of(address))
                  .requestTimeout(Duration.ofSeconds(20))
                  .build())) {
        ExecutionException e =
            assertThrows(
                ExecutionException.class,
                () ->
                    client.propose("x".getBytes(StandardCharsets.UTF_8)).get(30, TimeUnit.SECONDS));
        ClientException ce = assertInstanceOf(ClientException.class, e.getCause());
        assertEquals(ClientException.Kind.INCOMPATIBLE_VERSION, ce.kind(), ce.getMessage());
        assertFalse(ce.outcomeUnknown());
        assertTrue(ce.getMessage().contains(address + " refused the connection: " + line));
      }
      ClientRequest h = hello.get(30, TimeUnit.SECONDS);
      assertTrue(h.hasHello(), "the first frame is the hello: " + h);
      assertEquals(ProtocolVersion.CLIENT.current(), h.getHello().getProtocolVersion());
      assertEquals(ProtocolVersion.CLIENT.oldest(), h.getHello().getMinProtocolVersion());
    }
  }
}
