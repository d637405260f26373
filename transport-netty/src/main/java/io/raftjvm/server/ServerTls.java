package io.raftjvm.server;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.raftjvm.client.tls.NettyTls;
import io.raftjvm.client.tls.RaftIdentity;
import io.raftjvm.client.tls.TlsFileException;
import io.raftjvm.client.tls.TlsMaterial;
import io.raftjvm.transport.TlsLayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server's TLS contexts, one per kind of connection (peers in, peers out, clients, HTTP), built
 * from {@link TlsConfig}'s files and rebuilt when the files change (rotation): every new connection
 * gets a handler from the contexts in force when it opens; open connections keep theirs. A change
 * that cannot be used (a key that does not match, a certificate that no longer names this node) is
 * logged and ignored: the old contexts stay.
 */
final class ServerTls implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

  /** The contexts in force, replaced whole on rotation. */
  private record Contexts(
      SslContext peerServer, SslContext peerClient, SslContext clientPort, SslContext http) {}

  private final TlsConfig cfg;
  private final String clusterId;
  private final long nodeId;
  private final SslProvider provider;
  private volatile Contexts contexts;
  private volatile String stamp;
  private ScheduledFuture<?> reloads;

  ServerTls(TlsConfig cfg, String clusterId, long nodeId) {
    this.cfg = cfg;
    this.clusterId = clusterId;
    this.nodeId = nodeId;
    try {
      this.provider = NettyTls.provider(cfg.provider());
    } catch (TlsFileException e) {
      throw new ConfigException("bad config: raft.tls.provider: " + e.getMessage());
    }
    this.stamp = stamp();
    this.contexts = build(cfg.load());
    LOG.info(
        "TLS on every port ({}, provider {}); client certificates: {} on the client port, {} on"
            + " HTTP",
        String.join(", ", cfg.protocols()),
        provider == SslProvider.OPENSSL ? "OpenSSL" : "JDK",
        cfg.clientAuth().name().toLowerCase(java.util.Locale.ROOT),
        cfg.httpClientAuth().name().toLowerCase(java.util.Locale.ROOT));
  }

  private Contexts build(TlsMaterial m) {
    List<String> p = cfg.protocols();
    return new Contexts(
        NettyTls.server(m, p, provider, ClientAuth.REQUIRE),
        NettyTls.client(m, p, provider),
        NettyTls.server(m, p, provider, cfg.clientAuth()),
        NettyTls.server(m, p, provider, cfg.httpClientAuth()));
  }

  /** Checks the files every reload-interval on executor; rebuilds the contexts when they change. */
  void watch(EventExecutor executor) {
    long every = cfg.reloadInterval().toMillis();
    reloads =
        executor.scheduleWithFixedDelay(this::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
  }

  /** Rebuilds the contexts if the files changed since the last build; true if it did. */
  boolean reloadIfChanged() {
    String now = stamp();
    if (now.equals(stamp)) return false;
    stamp = now; // a file being written changes again; an unusable one is not retried until then
    try {
      TlsMaterial m = cfg.load();
      if (!RaftIdentity.namesNode(m.certificate(), clusterId, nodeId)) {
        throw new TlsFileException(
            cfg.certFile() + " does not name " + RaftIdentity.nodeUri(clusterId, nodeId));
      }
      contexts = build(m);
      LOG.info(
          "TLS certificate reloaded from {} (serial {}, valid until {}): new connections use it",
          cfg.certFile(),
          m.certificate().getSerialNumber().toString(16),
          m.certificate().getNotAfter());
      return true;
    } catch (TlsFileException e) {
      LOG.warn(
          "TLS files changed but cannot be used, keeping the current ones: {}", e.getMessage());
      return false;
    }
  }

  /** Modification times and sizes of the three files: what a rotation changes. */
  private String stamp() {
    StringBuilder sb = new StringBuilder();
    for (Path f : List.of(cfg.certFile(), cfg.keyFile(), cfg.caFile())) {
      try {
        sb.append(Files.getLastModifiedTime(f).toMillis()).append('/').append(Files.size(f));
      } catch (IOException e) {
        sb.append("missing");
      }
      sb.append(' ');
    }
    return sb.toString();
  }

  TlsLayer peerServer() {
    return TlsLayer.accepting("peer port", ch -> contexts.peerServer().newHandler(ch.alloc()));
  }

  TlsLayer peerClient() {
    return ch -> contexts.peerClient().newHandler(ch.alloc());
  }

  TlsLayer clientPort() {
    return TlsLayer.accepting("client port", ch -> contexts.clientPort().newHandler(ch.alloc()));
  }

  TlsLayer http() {
    return TlsLayer.accepting("HTTP port", ch -> contexts.http().newHandler(ch.alloc()));
  }

  @Override
  public void close() {
    if (reloads != null) reloads.cancel(false);
  }
}
