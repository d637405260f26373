package io.raftjvm.transport;

import io.raftjvm.client.proto.ClientError;
import io.raftjvm.client.proto.ClientHello;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * What the client port serves: turns a request into a response, asynchronously. Implemented by the
 * server on top of its node; the Netty handler only decodes, calls this, and writes the answer.
 * Must not block the calling (I/O) thread.
 */
public interface ClientService {
  CompletableFuture<ClientResponse> handle(ClientRequest request);

  /**
   * {@link #handle(ClientRequest)}, handing the response (or why there is none) to answer, once, on
   * any thread. What the client port calls; a service overrides it to answer its busiest requests
   * without a future per request. The default waits on {@link #handle(ClientRequest)}.
   */
  default void handle(ClientRequest request, BiConsumer<ClientResponse, Throwable> answer) {
    CompletableFuture<ClientResponse> f = handle(request);
    if (f == null) throw new IllegalStateException("service gave no answer");
    f.whenComplete(answer);
  }

  /**
   * Checks a client's hello (what it expects of this server): null to accept, else why not, in one
   * line; the connection is then refused. Accepts everything by default.
   */
  default String refuse(ClientHello hello) {
    return null;
  }

  /**
   * Whether a client may run an admin operation, given the certificate it presented (null: none, or
   * plaintext): null if it may, else why not, in one line (answered FORBIDDEN). Asked for admin
   * requests only. Allows everything by default.
   */
  default String refuseAdmin(
      io.raftjvm.client.proto.Admin admin, java.security.cert.X509Certificate cert) {
    return null;
  }

  /**
   * How long a propose, session registration or query may wait for its answer before the connection
   * answers it with {@link #timedOut}; null (the default) when the service times them out itself.
   * Admin requests are always left to the service.
   */
  default Duration requestTimeout() {
    return null;
  }

  /** The answer to request requestId, which waited {@link #requestTimeout()} in vain. */
  default ClientResponse timedOut(long requestId) {
    return ClientResponse.newBuilder()
        .setRequestId(requestId)
        .setError(
            ClientError.newBuilder()
                .setCode(ClientError.Code.TIMEOUT)
                .setMessage("no answer within " + requestTimeout().toMillis() + " ms"))
        .build();
  }

  /** Told of every answer written (metrics), on the connection's I/O thread; must be cheap. */
  default void answered(ClientResponse response) {}
}
