package io.raftjvm.client;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of a {@link RaftClient}. Immutable; build with {@link #builder(List)}.
 *
 * <p>{@code requestTimeout} is each request's whole deadline, redirects and retries included. By
 * default only the deadline limits retries; {@code maxRetries} can cap them as well. Retries after
 * a failure wait {@code retryBackoff}, doubling up to {@code maxRetryBackoff}, with jitter.
 */
public final class RaftClientOptions {
  private final List<String> servers;
  private final Duration requestTimeout;
  private final Duration connectTimeout;
  private final Duration attemptTimeout;
  private final int maxRetries;
  private final Duration retryBackoff;
  private final Duration maxRetryBackoff;
  private final int maxFrameBytes;
  private final int maxRequestBytes;
  private final int maxPendingRequests;
  private final boolean sessions;
  private final String clusterId;
  private final String stateMachine;

  private RaftClientOptions(Builder b) {
    this.servers = List.copyOf(b.servers);
    this.requestTimeout = b.requestTimeout;
    this.connectTimeout = b.connectTimeout;
    this.attemptTimeout = b.attemptTimeout;
    this.maxRetries = b.maxRetries;
    this.retryBackoff = b.retryBackoff;
    this.maxRetryBackoff = b.maxRetryBackoff;
    this.maxFrameBytes = b.maxFrameBytes;
    this.maxRequestBytes = b.maxRequestBytes;
    this.maxPendingRequests = b.maxPendingRequests;
    this.sessions = b.sessions;
    this.clusterId = b.clusterId;
    this.stateMachine = b.stateMachine;
    this.tls = b.tls;
  }

  private final Tls tls;

  /**
   * TLS towards the servers' client ports: the CA certificates that the servers' certificates must
   * chain to, and this client's certificate and key (null when it presents none), PEM files; the
   * TLS versions allowed.
   */
  public record Tls(
      java.nio.file.Path caFile,
      java.nio.file.Path certFile,
      java.nio.file.Path keyFile,
      List<String> protocols) {
    public Tls {
      Objects.requireNonNull(caFile, "caFile");
      if ((certFile == null) != (keyFile == null))
        throw new IllegalArgumentException("TLS: give a certificate and its key, or neither");
      protocols = List.copyOf(protocols);
    }
  }

  /** TLS settings, or null for plaintext (the default). */
  public Tls tls() {
    return tls;
  }

  /** The cluster id the servers must have ("" when not checked). */
  public String clusterId() {
    return clusterId;
  }

  /** The name of the state machine the servers must run ("" when not checked). */
  public String stateMachine() {
    return stateMachine;
  }

  /**
   * Whether proposes go through an exactly-once session (default true): the servers apply each at
   * most once, so the client retries them through leader changes and lost connections instead of
   * reporting their outcome unknown.
   */
  public boolean sessions() {
    return sessions;
  }

  /** Starts options for a cluster whose client ports are {@code servers} ("host:port" each). */
  public static Builder builder(List<String> servers) {
    return new Builder(servers);
  }

  /** Client ports of the servers tried when no leader is known, in round-robin order. */
  public List<String> servers() {
    return servers;
  }

  /** Each request's total deadline, retries included (default 5 s). */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** How long one connection attempt may take (default 1 s). */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /**
   * How long one attempt of a request that may be sent twice (a propose in a session, a query, a
   * session registration) waits for an answer before the client sends it to another server and
   * avoids the silent one for as long again (default 1 s, about a server's election timeout). It
   * bounds what a frozen or cut-off leader costs the client: about the time the other servers take
   * to elect a new one, not the whole request deadline. A late success of the abandoned attempt
   * still completes the request. Sessionless proposes and membership changes wait for their
   * deadline instead.
   */
  public Duration attemptTimeout() {
    return attemptTimeout;
  }

  /** Most retries (redirects included) per request (default unlimited: the deadline decides). */
  public int maxRetries() {
    return maxRetries;
  }

  /** First delay before retrying after a failure (default 10 ms). */
  public Duration retryBackoff() {
    return retryBackoff;
  }

  /** Cap on the doubling retry delay (default 500 ms). */
  public Duration maxRetryBackoff() {
    return maxRetryBackoff;
  }

  /**
   * Largest response frame accepted, counting its 4-byte length prefix (default 16 MiB). Answers
   * (query results, status) may be larger than requests: the servers take requests of up to {@code
   * raft.client.max-frame-size} (4 MiB by default), a limit that bounds their memory, not this
   * client's.
   */
  public int maxFrameBytes() {
    return maxFrameBytes;
  }

  /**
   * Largest request frame sent, counting its 4-byte length prefix (default 4 MiB, the servers'
   * default {@code raft.client.max-frame-size}; keep the two equal). A larger request fails
   * BAD_REQUEST at once, without being sent: a server would close the connection on it.
   */
  public int maxRequestBytes() {
    return maxRequestBytes;
  }

  /** Most requests pending in this client at once; beyond it requests fail UNAVAILABLE. */
  public int maxPendingRequests() {
    return maxPendingRequests;
  }

  /** Mutable builder; {@link #build()} validates. */
  public static final class Builder {
    private final List<String> servers;
    private Duration requestTimeout = Duration.ofSeconds(5);
    private Duration connectTimeout = Duration.ofSeconds(1);
    private Duration attemptTimeout = Duration.ofSeconds(1);
    private int maxRetries = Integer.MAX_VALUE;
    private Duration retryBackoff = Duration.ofMillis(10);
    private boolean sessions = true;
    private String clusterId = "";
    private String stateMachine = "";
    private Tls tls;
    private Duration maxRetryBackoff = Duration.ofMillis(500);
    private int maxFrameBytes = 16 << 20;
    private int maxRequestBytes = 4 << 20;
    private int maxPendingRequests = 10_000;

    private Builder(List<String> servers) {
      this.servers = List.copyOf(Objects.requireNonNull(servers, "servers"));
    }

    public Builder requestTimeout(Duration d) {
      this.requestTimeout = d;
      return this;
    }

    public Builder connectTimeout(Duration d) {
      this.connectTimeout = d;
      return this;
    }

    public Builder attemptTimeout(Duration d) {
      this.attemptTimeout = d;
      return this;
    }

    public Builder maxRetries(int n) {
      this.maxRetries = n;
      return this;
    }

    public Builder retryBackoff(Duration first, Duration max) {
      this.retryBackoff = first;
      this.maxRetryBackoff = max;
      return this;
    }

    public Builder maxFrameBytes(int n) {
      this.maxFrameBytes = n;
      return this;
    }

    public Builder maxRequestBytes(int n) {
      this.maxRequestBytes = n;
      return this;
    }

    public Builder maxPendingRequests(int n) {
      this.maxPendingRequests = n;
      return this;
    }

    /**
     * The cluster id the servers must have (their {@code raft.cluster-id}): a server of another
     * cluster refuses the connection, and requests fail with {@link
     * ClientException.Kind#WRONG_CLUSTER}. Default "": not checked.
     */
    public Builder clusterId(String id) {
      clusterId = java.util.Objects.requireNonNull(id, "clusterId");
      return this;
    }

    /**
     * The state machine the servers must run (its provider's name, their {@code
     * raft.state-machine}), so that commands in one state machine's format never reach another.
     * Default "": not checked.
     */
    public Builder stateMachine(String name) {
      stateMachine = java.util.Objects.requireNonNull(name, "stateMachine");
      return this;
    }

    /**
     * Connects over TLS: servers must present a certificate chaining to the CA certificates in
     * caFile (and, when {@link #clusterId} is set, naming a server of that cluster); certFile and
     * keyFile (PEM, unencrypted PKCS#8 key) are this client's certificate, null for none. TLS 1.3.
     */
    public Builder tls(
        java.nio.file.Path caFile, java.nio.file.Path certFile, java.nio.file.Path keyFile) {
      tls = new Tls(caFile, certFile, keyFile, List.of("TLSv1.3"));
      return this;
    }

    /**
     * As {@link #tls(java.nio.file.Path, java.nio.file.Path, java.nio.file.Path)}, with the TLS
     * versions allowed.
     */
    public Builder tls(Tls settings) {
      tls = settings;
      return this;
    }

    /** Exactly-once sessions for proposes (default on). */
    public Builder sessions(boolean on) {
      sessions = on;
      return this;
    }

    public RaftClientOptions build() {
      if (servers.isEmpty()) {
        throw new IllegalArgumentException("servers: at least one host:port is needed");
      }
      servers.forEach(HostPort::parse);
      positive("requestTimeout", requestTimeout);
      positive("connectTimeout", connectTimeout);
      positive("attemptTimeout", attemptTimeout);
      positive("retryBackoff", retryBackoff);
      positive("maxRetryBackoff", maxRetryBackoff);
      if (maxRetryBackoff.compareTo(retryBackoff) < 0) {
        throw new IllegalArgumentException("maxRetryBackoff is below retryBackoff");
      }
      if (maxRetries < 0 || maxFrameBytes <= 4 || maxRequestBytes <= 4 || maxPendingRequests <= 0) {
        throw new IllegalArgumentException(
            "maxRetries must be >= 0, maxFrameBytes and maxRequestBytes > 4 and"
                + " maxPendingRequests > 0");
      }
      return new RaftClientOptions(this);
    }

    private static void positive(String name, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
    }
  }
}
