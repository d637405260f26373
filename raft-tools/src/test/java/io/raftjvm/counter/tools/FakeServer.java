package io.raftjvm.counter.tools;

import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.ClientResponse;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;

/**
 * A tiny server speaking the client protocol (4-byte big-endian length + protobuf) over plain
 * sockets: every request is recorded (with its raw frame) and answered by {@code answer}; a null
 * answer means "never answer". One thread per connection.
 */
final class FakeServer implements AutoCloseable {
  /** One received frame: its length prefix and the decoded request. */
  record Received(int lengthPrefix, byte[] frame, ClientRequest request) {}

  private final ServerSocket server;

  /** The hellos clients sent: what they expect of the server. */
  final java.util.List<io.raftjvm.client.proto.ClientHello> hellos =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  private final Function<ClientRequest, ClientResponse> answer;
  final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  FakeServer(Function<ClientRequest, ClientResponse> answer) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.answer = answer;
    this.acceptor = new Thread(this::accept, "fake-server-accept");
    this.acceptor.setDaemon(true);
    this.acceptor.start();
  }

  String address() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        sockets.add(s);
        Thread t = new Thread(() -> serve(s), "fake-server-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      while (true) {
        int length = in.readInt();
        byte[] frame = new byte[length];
        in.readFully(frame);
        ClientRequest request = ClientRequest.parseFrom(frame);
        if (request.hasHello()) {
          hellos.add(request.getHello()); // a real server answers only a mismatch
          continue;
        }
        received.add(new Received(length, frame, request));
        ClientResponse response = answer.apply(request);
        if (response != null) {
          byte[] bytes = response.toByteArray();
          out.writeInt(bytes.length);
          out.write(bytes);
          out.flush();
        }
      }
    } catch (EOFException e) {
      // client closed
    } catch (IOException e) {
      // closed by the test
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
