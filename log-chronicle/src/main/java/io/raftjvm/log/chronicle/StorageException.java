package io.raftjvm.log.chronicle;

/**
 * The data directory cannot be used as it is; the message names the file and the problem in one
 * line.
 */
public final class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message) {
    super(message);
  }

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
