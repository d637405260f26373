package io.raftjvm.counter.tools;

import io.raftjvm.client.RaftClientOptions;
import io.raftjvm.client.tls.TlsMaterial;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLSocketFactory;
import picocli.CommandLine.Option;

/**
 * {@code --tls-ca}, {@code --tls-cert}, {@code --tls-key}: TLS towards the servers' client ports,
 * shared by the command-line tools (a picocli mixin; raft-admin parses the same options itself).
 */
public final class TlsOptions {
  @Option(
      names = "--tls-ca",
      paramLabel = "FILE",
      description = "Connect over TLS, trusting the CA certificates in FILE (PEM).")
  Path ca;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description = "This client's certificate (PEM), for servers that ask for one.")
  Path cert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "The private key of --tls-cert (PEM, unencrypted PKCS#8).")
  Path key;

  /** The TLS settings, or null for plaintext; a usage error names the options. */
  public RaftClientOptions.Tls settings(picocli.CommandLine.Model.CommandSpec where) {
    try {
      return settings(ca, cert, key);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(where.commandLine(), e.getMessage());
    }
  }

  /**
   * As {@link #settings(picocli.CommandLine.Model.CommandSpec)}, for tools that parse their own
   * options.
   */
  public static RaftClientOptions.Tls settings(Path ca, Path cert, Path key) {
    if (ca == null) {
      if (cert != null || key != null)
        throw new IllegalArgumentException("--tls-cert and --tls-key need --tls-ca");
      return null;
    }
    if ((cert == null) != (key == null))
      throw new IllegalArgumentException("--tls-cert and --tls-key go together");
    return new RaftClientOptions.Tls(ca, cert, key, List.of("TLSv1.3"));
  }

  /**
   * Blocking sockets speaking the same TLS (for the tools' one-server probes), or null for
   * plaintext. A file that cannot be used is a TlsFileException naming it.
   */
  public static SSLSocketFactory socketFactory(RaftClientOptions.Tls tls) {
    if (tls == null) return null;
    TlsMaterial m = TlsMaterial.load(tls.certFile(), tls.keyFile(), tls.caFile());
    return io.raftjvm.client.tls.JdkTls.context(m).getSocketFactory();
  }
}
