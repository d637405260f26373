package io.raftjvm.server;

/** The configuration is unusable; the message is one line naming the key and the problem. */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
