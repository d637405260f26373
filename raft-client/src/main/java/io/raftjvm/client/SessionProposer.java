package io.raftjvm.client;

import com.google.protobuf.ByteString;
import io.raftjvm.client.ClientCall.Op;
import io.raftjvm.client.ClientException.Kind;
import io.raftjvm.client.proto.ClientRequest;
import io.raftjvm.client.proto.Propose;
import io.raftjvm.client.proto.RegisterSession;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@link RaftClient}'s exactly-once proposes (thesis §6.3): the session, registered with the first
 * propose (and again after one expired), and the numbering of proposes within it, retried with the
 * same number. Thread-safe.
 */
final class SessionProposer {
  private final long clientId;
  private final CallSubmitter submitter;

  /**
   * This client's session: its registration, pending or done; null before the first propose and
   * after the session expired.
   */
  private final AtomicReference<CompletableFuture<Long>> sessionRef = new AtomicReference<>();

  /** Sequence numbers proposed and not yet answered: the lowest one tells servers what to keep. */
  private final OutstandingSequences outstanding = new OutstandingSequences();

  SessionProposer(long clientId, CallSubmitter submitter) {
    this.clientId = clientId;
    this.submitter = submitter;
  }

  /** Proposes command in the session; the caller holds a pending permit for it. */
  CompletableFuture<byte[]> propose(byte[] command) {
    // Numbered and registered as one step (take): between the two, another thread's propose could
    // read a lowest outstanding number above this one and tell the servers to forget it, and this
    // propose would then be refused as "acknowledged and forgotten".
    long seq = outstanding.take();
    CompletableFuture<Long> session = session();
    CompletableFuture<byte[]> out = new CompletableFuture<>();
    if (session.isDone() && !session.isCompletedExceptionally()) {
      send(session, session.join(), seq, command, out); // the usual case
      return out;
    }
    session.whenComplete(
        (id, registrationFailed) -> {
          if (registrationFailed != null) {
            outstanding.settle(seq);
            submitter.release(); // the propose was never sent
            out.completeExceptionally(notSent(registrationFailed));
          } else {
            send(session, id, seq, command, out);
          }
        });
    return out;
  }

  /**
   * Sends a propose numbered seq in session id and completes out with its outcome. One callback on
   * the call settles everything: a propose is the client's hot path.
   */
  private void send(
      CompletableFuture<Long> session,
      long id,
      long seq,
      byte[] command,
      CompletableFuture<byte[]> out) {
    Propose propose =
        Propose.newBuilder()
            .setClientId(clientId)
            .setSession(id)
            .setSequence(seq)
            .setFirstUnacked(outstanding.lowest())
            .setCommand(ByteString.copyFrom(command))
            .build();
    ClientCall call =
        new ClientCall(Op.PROPOSE, ClientRequest.newBuilder().setPropose(propose).build());
    call.inSession = true;
    call.onOutcome(
        (response, failure) -> {
          submitter.release();
          outstanding.settle(seq);
          if (failure == null) {
            out.complete(CallSubmitter.applied(response));
            return;
          }
          if (failure instanceof ClientException e
              && e.kind() == Kind.SESSION_EXPIRED_OUTCOME_UNKNOWN) {
            sessionRef.compareAndSet(session, null); // later proposes open a new session
          }
          out.completeExceptionally(failure);
        });
    submitter.start(call);
  }

  /**
   * The failure of a propose that was never sent because no session could be opened: certainly not
   * applied, whatever the registration's own outcome.
   */
  private static Throwable notSent(Throwable registrationFailed) {
    Throwable t =
        registrationFailed instanceof CompletionException c && c.getCause() != null
            ? c.getCause()
            : registrationFailed;
    if (t instanceof ClientException e && e.outcomeUnknown()) {
      Kind kind = e.kind() == Kind.CLOSED_OUTCOME_UNKNOWN ? Kind.CLOSED : Kind.UNAVAILABLE;
      return new ClientException(
          kind, "no session could be opened, so the command was not sent: " + e.getMessage(), e);
    }
    return t;
  }

  /** This client's session, registering one on first use (or after the last one expired). */
  private CompletableFuture<Long> session() {
    while (true) {
      CompletableFuture<Long> s = sessionRef.get();
      if (s != null && !s.isCompletedExceptionally()) return s;
      CompletableFuture<Long> fresh = new CompletableFuture<>();
      if (!sessionRef.compareAndSet(s, fresh)) continue;
      ClientCall call =
          new ClientCall(
              Op.REGISTER,
              ClientRequest.newBuilder()
                  .setRegisterSession(RegisterSession.getDefaultInstance())
                  .build());
      submitter
          .submitUncounted(call, r -> r.getApplied().getIndex())
          .whenComplete(
              (id, t) -> {
                if (t != null) fresh.completeExceptionally(t);
                else fresh.complete(id);
              });
      return fresh;
    }
  }
}
