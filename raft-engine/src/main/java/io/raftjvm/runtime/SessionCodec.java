package io.raftjvm.runtime;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.SessionCommand;
import io.raftjvm.proto.SessionEntry;
import io.raftjvm.proto.SessionRegister;
import java.io.IOException;

/**
 * The one place that knows how session entries (thesis §6.3) are written in the log: a registration
 * or a numbered command, each stamped with the proposing leader's clock, which the replicas use to
 * expire idle sessions identically. The node encodes with its runtime's clock; the applier decodes
 * each entry once.
 *
 * <p>The format is the {@link SessionEntry} message. Commands, one per client write, are encoded
 * and decoded here by hand, straight between the fields and the bytes: the same bytes the generated
 * code writes (a test holds the two to that), without the two messages and builders it makes per
 * entry. Anything the hand decoder does not expect (a body given twice, both bodies) is left to the
 * generated parser, so every valid encoding decodes as protobuf says.
 */
final class SessionCodec {
  private SessionCodec() {}

  private static final int TIMESTAMP = 1;
  private static final int REGISTER = 2;
  private static final int COMMAND = 3;
  private static final int SESSION = 1;
  private static final int SEQUENCE = 2;
  private static final int FIRST_UNACKED = 3;
  private static final int BYTES = 4;

  /**
   * A decoded session entry: a registration (the other fields 0, command empty) or a command.
   *
   * @param timestampMs the proposing leader's clock
   * @param register whether it registers a session (its index becomes the session's id)
   */
  record Decoded(
      long timestampMs,
      boolean register,
      long session,
      long sequence,
      long firstUnacked,
      byte[] command) {}

  private static final byte[] NONE = new byte[0];

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
    int inner = 0;
    if (session != 0) inner += CodedOutputStream.computeUInt64Size(SESSION, session);
    if (sequence != 0) inner += CodedOutputStream.computeUInt64Size(SEQUENCE, sequence);
    if (firstUnacked != 0) {
      inner += CodedOutputStream.computeUInt64Size(FIRST_UNACKED, firstUnacked);
    }
    if (!command.isEmpty()) inner += CodedOutputStream.computeBytesSize(BYTES, command);
    int size =
        (nowMs != 0 ? CodedOutputStream.computeInt64Size(TIMESTAMP, nowMs) : 0)
            + CodedOutputStream.computeTagSize(COMMAND)
            + CodedOutputStream.computeUInt32SizeNoTag(inner)
            + inner;
    byte[] out = new byte[size];
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    try {
      if (nowMs != 0) o.writeInt64(TIMESTAMP, nowMs);
      o.writeTag(COMMAND, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      o.writeUInt32NoTag(inner);
      if (session != 0) o.writeUInt64(SESSION, session);
      if (sequence != 0) o.writeUInt64(SEQUENCE, sequence);
      if (firstUnacked != 0) o.writeUInt64(FIRST_UNACKED, firstUnacked);
      if (!command.isEmpty()) o.writeBytes(BYTES, command);
      o.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("a session command does not fit its computed size", e);
    }
    return UnsafeByteOperations.unsafeWrap(out);
  }

  /**
   * The session entry at e; a corrupt one is a broken log (IllegalStateException: the node stops).
   */
  static Decoded decode(Entry e) {
    Decoded d;
    try {
      d = decodeCommon(e.getData());
    } catch (IOException ex) {
      d = null; // the generated parser has the last word on what is corrupt
    }
    if (d != null) return d;
    try {
      return of(SessionEntry.parseFrom(e.getData()));
    } catch (InvalidProtocolBufferException ex) {
      throw new IllegalStateException(
          "entry " + e.getIndex() + " holds a corrupt session entry", ex);
    }
  }

  /** The fields of a message the generated parser read. */
  static Decoded of(SessionEntry se) {
    if (se.hasRegister()) return new Decoded(se.getTimestampMs(), true, 0, 0, 0, NONE);
    SessionCommand c = se.getCommand();
    return new Decoded(
        se.getTimestampMs(),
        false,
        c.getSession(),
        c.getSequence(),
        c.getFirstUnacked(),
        c.getCommand().toByteArray());
  }

  /**
   * Decodes the usual shapes (a timestamp, then at most one body, its fields once each; unknown
   * fields skipped); null for anything else, which the generated parser then reads.
   */
  static Decoded decodeCommon(ByteString data) throws IOException {
    CodedInputStream in = data.newCodedInput();
    long timestamp = 0;
    boolean register = false;
    boolean command = false;
    long session = 0;
    long sequence = 0;
    long firstUnacked = 0;
    byte[] bytes = NONE;
    int tag;
    while ((tag = in.readTag()) != 0) {
      switch (tag) {
        case TIMESTAMP << 3 | WireFormat.WIRETYPE_VARINT -> timestamp = in.readInt64();
        case REGISTER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
          if (register || command) return null;
          register = true;
          in.skipRawBytes(in.readRawVarint32());
        }
        case COMMAND << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
          if (register || command) return null;
          command = true;
          int limit = in.pushLimit(in.readRawVarint32());
          int inner;
          int seen = 0;
          while ((inner = in.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(inner);
            if (field >= SESSION && field <= BYTES) {
              if ((seen & 1 << field) != 0) return null;
              seen |= 1 << field;
            }
            switch (inner) {
              case SESSION << 3 | WireFormat.WIRETYPE_VARINT -> session = in.readUInt64();
              case SEQUENCE << 3 | WireFormat.WIRETYPE_VARINT -> sequence = in.readUInt64();
              case FIRST_UNACKED << 3 | WireFormat.WIRETYPE_VARINT ->
                  firstUnacked = in.readUInt64();
              case BYTES << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> bytes = in.readByteArray();
              default -> {
                if (field >= SESSION && field <= BYTES) return null; // a known field, odd wire type
                if (!in.skipField(inner)) return null;
              }
            }
          }
          in.popLimit(limit);
        }
        default -> {
          int field = WireFormat.getTagFieldNumber(tag);
          if (field >= TIMESTAMP && field <= COMMAND) return null;
          if (!in.skipField(tag)) return null;
        }
      }
    }
    return register
        ? new Decoded(timestamp, true, 0, 0, 0, NONE)
        : new Decoded(timestamp, false, session, sequence, firstUnacked, bytes);
  }
}
