package io.raftjvm.runtime;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.SessionCommand;
import io.raftjvm.proto.SessionEntry;
import io.raftjvm.proto.SessionRegister;

/**
 * The one place that knows how session entries (thesis §6.3) are written in the log: a registration
 * or a numbered command, each stamped with the proposing leader's clock, which the replicas use to
 * expire idle sessions identically. The node encodes with its runtime's clock; the applier decodes
 * each entry once.
 */
final class SessionCodec {
  private SessionCodec() {}

  /** A registration made at nowMs; its log index becomes the session's id. */
  static ByteString register(long nowMs) {
    return SessionEntry.newBuilder()
        .setTimestampMs(nowMs)
        .setRegister(SessionRegister.getDefaultInstance())
        .build()
        .toByteString();
  }

  /**
   * Command number sequence of session, sent at nowMs by a client still waiting for firstUnacked
   * on.
   */
  static ByteString command(
      long nowMs, long session, long sequence, long firstUnacked, ByteString command) {
    return SessionEntry.newBuilder()
        .setTimestampMs(nowMs)
        .setCommand(
            SessionCommand.newBuilder()
                .setSession(session)
                .setSequence(sequence)
                .setFirstUnacked(firstUnacked)
                .setCommand(command))
        .build()
        .toByteString();
  }

  /**
   * The session entry at e; a corrupt one is a broken log (IllegalStateException: the node stops).
   */
  static SessionEntry decode(Entry e) {
    try {
      return SessionEntry.parseFrom(e.getData());
    } catch (InvalidProtocolBufferException ex) {
      throw new IllegalStateException(
          "entry " + e.getIndex() + " holds a corrupt session entry", ex);
    }
  }
}
