package io.raftjvm.counter.tools;

import io.raftjvm.client.ClientException;
import io.raftjvm.counter.tools.HistoryRecord.Status;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** How a failed request is counted: its error kind and whether it certainly had no effect. */
final class Outcomes {
  /** The state machine answered 0xFF: it refused the command, which changed nothing. */
  static final String REFUSED = "REFUSED";

  /** The answer was not an 8-byte value. */
  static final String BAD_RESULT = "BAD_RESULT";

  /** Anything but a ClientException (a bug): counted as unknown for adds. */
  static final String OTHER = "OTHER";

  private Outcomes() {}

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** The {@link ClientException.Kind} name, or {@link #OTHER}. */
  static String kind(Throwable t) {
    Throwable u = unwrap(t);
    return u instanceof ClientException ce ? ce.kind().name() : OTHER;
  }

  /**
   * TIMEOUT when the request may have taken effect, FAIL when it certainly did not, as the client
   * says ({@link ClientException#outcomeUnknown()}).
   */
  static Status status(Throwable t, boolean add) {
    Throwable u = unwrap(t);
    if (u instanceof ClientException ce) {
      return ce.outcomeUnknown() ? Status.TIMEOUT : Status.FAIL;
    }
    return add ? Status.TIMEOUT : Status.FAIL;
  }

  /** Whether errors of this kind leave an add undecided (for the summary's labels). */
  static boolean unknownKind(String kind) {
    if (kind.equals(BAD_RESULT) || kind.equals(OTHER)) {
      return true;
    }
    try {
      return ClientException.Kind.valueOf(kind).outcomeUnknown();
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
