package io.raftjvm.client.tls;

/** A certificate or key file that cannot be used; the message names it, in one line. */
public final class TlsFileException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TlsFileException(String message) {
    super(message);
  }
}
