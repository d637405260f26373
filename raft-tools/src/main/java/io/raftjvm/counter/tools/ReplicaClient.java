package io.raftjvm.counter.tools;

import com.google.protobuf.ByteString;
import io.raftjvm.client.HostPort;
import io.raftjvm.client.proto.Admin;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import io.raftjvm.client.proto.NodeStatus;
import io.raftjvm.client.proto.Query;
import io.raftjvm.client.proto.StatusRequest;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/**
 * A tiny synchronous client of ONE server's client port, for reading that replica's own state: it
 * sends {@code Query} requests with {@code local = true}, which any replica (not only the leader)
 * answers from its own state machine.
 *
 * <p>Frames are the server's client protocol: a 4-byte big-endian length, then a protobuf {@link
 * ClientRequest} (out) or {@link ClientResponse} (in). One request at a time; the connection opens
 * on first use and is dropped after any failure (the next call reconnects). Not thread-safe;
 * blocking (plain {@link Socket}), never used on a Netty thread.
 */
final class ReplicaClient implements Closeable, ReplicaChecker.Reader {
  /** Largest response accepted (the server's default frame limit). */
  static final int MAX_FRAME_BYTES = 16 << 20;

  private final String address;
  private final int timeoutMs;
  private Socket socket;
  private DataInputStream in;
  private DataOutputStream out;
  private long nextRequestId = 1;

  /** TLS sockets towards the server, or null for plaintext. */
  private final javax.net.ssl.SSLSocketFactory tls;

  ReplicaClient(String address, Duration timeout) {
    this(address, timeout, null);
  }

  ReplicaClient(String address, Duration timeout, javax.net.ssl.SSLSocketFactory tls) {
    this.tls = tls;
    this.address = address;
    this.timeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
  }

  @Override
  public String address() {
    return address;
  }

  /**
   * Runs a local query on this replica and returns the state machine's answer. Throws IOException
   * when the server cannot be reached, does not answer in time, or answers anything but a result
   * (e.g. a NotLeader from a server that does not serve local reads).
   */
  byte[] queryLocal(byte[] query) throws IOException {
    ClientResponse response =
        call(
            ClientRequest.newBuilder()
                .setQuery(Query.newBuilder().setQuery(ByteString.copyFrom(query)).setLocal(true)));
    switch (response.getBodyCase()) {
      case APPLIED:
        return response.getApplied().getResult().toByteArray();
      case NOT_LEADER:
        throw new IOException(
            address
                + " answered NotLeader to a local query"
                + " (does this server support local reads?)");
      default:
        throw unexpected(response);
    }
  }

  /** The replica's own status: role, term, log and the configuration in force there. */
  NodeStatus status() throws IOException {
    ClientResponse response =
        call(
            ClientRequest.newBuilder()
                .setAdmin(Admin.newBuilder().setStatus(StatusRequest.getDefaultInstance())));
    if (response.getBodyCase() != ClientResponse.BodyCase.ADMIN) throw unexpected(response);
    return response.getAdmin().getStatus();
  }

  private IOException unexpected(ClientResponse response) {
    if (response.getBodyCase() == ClientResponse.BodyCase.ERROR) {
      return new IOException(
          address
              + " answered "
              + response.getError().getCode()
              + ": "
              + response.getError().getMessage());
    }
    return new IOException(address + " sent an unexpected " + response.getBodyCase() + " response");
  }

  /** One request, one answer; the connection is dropped after any I/O failure. */
  private ClientResponse call(ClientRequest.Builder request) throws IOException {
    long id = nextRequestId++;
    try {
      connect();
      byte[] bytes = request.setRequestId(id).build().toByteArray();
      out.writeInt(bytes.length);
      out.write(bytes);
      out.flush();
      ClientResponse response;
      do {
        response = readFrame();
      } while (response.getRequestId() != id); // stale answers cannot happen; skip if they do
      return response;
    } catch (IOException e) {
      close();
      String m = e.getMessage();
      throw m != null && m.contains(address) ? e : new IOException(address + ": " + e, e);
    }
  }

  /** The replica's counter value (a local {@code get}). */
  @Override
  public long value() throws IOException {
    byte[] result = queryLocal(CounterWire.get());
    try {
      return CounterWire.value(result);
    } catch (IllegalArgumentException e) {
      throw new IOException(address + ": " + e.getMessage(), e);
    }
  }

  private ClientResponse readFrame() throws IOException {
    int length = in.readInt();
    if (length < 0 || length > MAX_FRAME_BYTES - 4) {
      throw new IOException(address + " sent a frame of " + length + " bytes");
    }
    byte[] frame = new byte[length];
    in.readFully(frame);
    return ClientResponse.parseFrom(frame);
  }

  private void connect() throws IOException {
    if (socket != null) {
      return;
    }
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      InetSocketAddress a = HostPort.parse(address);
      s.connect(new InetSocketAddress(a.getHostString(), a.getPort()), timeoutMs);
      s.setSoTimeout(timeoutMs);
      if (tls != null) {
        Socket plain = s;
        s = tls.createSocket(plain, a.getHostString(), a.getPort(), true);
        ((javax.net.ssl.SSLSocket) s).startHandshake();
      }
      in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
      out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
      socket = s;
    } catch (IOException e) {
      s.close();
      throw new IOException("cannot connect to " + address + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException e) {
        // nothing to do
      }
      socket = null;
      in = null;
      out = null;
    }
  }
}
