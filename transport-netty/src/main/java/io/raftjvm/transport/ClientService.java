package io.raftjvm.transport;

import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import java.util.concurrent.CompletableFuture;

/**
 * What the client port serves: turns a request into a response, asynchronously. Implemented by the
 * server on top of its node; the Netty handler only decodes, calls this, and writes the answer.
 * Must not block the calling (I/O) thread.
 */
public interface ClientService {
  CompletableFuture<ClientResponse> handle(ClientRequest request);
}
