package io.raftjvm.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import io.raftjvm.proto.SessionCommand;
import io.raftjvm.proto.SessionEntry;
import io.raftjvm.proto.SessionRegister;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Session entries are coded by hand on the hot path; the log's format stays the generated {@link
 * SessionEntry}: the same bytes out, the same fields in.
 */
class SessionCodecTest {
  private static final long SEED = Long.getLong("raft.test.seed", System.nanoTime());

  private static long value(SplittableRandom r) {
    return switch (r.nextInt(5)) {
      case 0 -> 0;
      case 1 -> r.nextLong(1, 128);
      case 2 -> r.nextLong(1, 1L << 40);
      case 3 -> -r.nextLong(1, Long.MAX_VALUE); // the largest varints (uint64 above 2^63)
      default -> r.nextLong();
    };
  }

  private static Entry entry(ByteString data) {
    return Entry.newBuilder()
        .setIndex(7)
        .setTerm(1)
        .setType(EntryType.ENTRY_SESSION)
        .setData(data)
        .build();
  }

  private static SessionCodec.Decoded generated(ByteString data) throws Exception {
    return SessionCodec.of(SessionEntry.parseFrom(data));
  }

  private static void assertSame(SessionCodec.Decoded want, SessionCodec.Decoded got) {
    assertEquals(want.timestampMs(), got.timestampMs());
    assertEquals(want.register(), got.register());
    assertEquals(want.session(), got.session());
    assertEquals(want.sequence(), got.sequence());
    assertEquals(want.firstUnacked(), got.firstUnacked());
    assertArrayEquals(want.command(), got.command());
  }

  @Test
  void aCommandIsWrittenAsTheGeneratedCodeWritesItAndReadsBack() throws Exception {
    SplittableRandom r = new SplittableRandom(SEED);
    for (int i = 0; i < 20_000; i++) {
      long ts = value(r);
      long session = value(r);
      long seq = value(r);
      long firstUnacked = value(r);
      byte[] cmd = new byte[r.nextInt(3) == 0 ? 0 : r.nextInt(1, 300)];
      r.nextBytes(cmd);
      ByteString want =
          SessionEntry.newBuilder()
              .setTimestampMs(ts)
              .setCommand(
                  SessionCommand.newBuilder()
                      .setSession(session)
                      .setSequence(seq)
                      .setFirstUnacked(firstUnacked)
                      .setCommand(ByteString.copyFrom(cmd)))
              .build()
              .toByteString();
      ByteString got =
          SessionCodec.command(ts, session, seq, firstUnacked, ByteString.copyFrom(cmd));
      assertEquals(want, got, "seed " + SEED + ", entry " + i);
      SessionCodec.Decoded d = SessionCodec.decode(entry(got));
      try {
        assertSame(generated(want), d);
        assertEquals(session, d.session());
        assertArrayEquals(cmd, d.command());
      } catch (AssertionError e) {
        throw new AssertionError("seed " + SEED + ", entry " + i + ": " + e.getMessage(), e);
      }
    }
  }

  @Test
  void aRegistrationReadsBack() {
    SessionCodec.Decoded d = SessionCodec.decode(entry(SessionCodec.register(1234)));
    assertEquals(1234, d.timestampMs());
    assertEquals(true, d.register());
  }

  /** Shapes no server writes decode as protobuf says, through the generated parser. */
  @Test
  void unusualEncodingsDecodeAsTheGeneratedParserDecodesThem() throws Exception {
    ByteString cmdA =
        SessionEntry.newBuilder()
            .setTimestampMs(5)
            .setCommand(SessionCommand.newBuilder().setSession(1).setSequence(2))
            .build()
            .toByteString();
    ByteString cmdB =
        SessionEntry.newBuilder()
            .setCommand(
                SessionCommand.newBuilder()
                    .setSequence(9)
                    .setCommand(ByteString.copyFromUtf8("x"))
                    .setUnknownFields(
                        UnknownFieldSet.newBuilder()
                            .addField(12, UnknownFieldSet.Field.newBuilder().addVarint(77).build())
                            .build()))
            .build()
            .toByteString();
    ByteString register =
        SessionEntry.newBuilder()
            .setRegister(SessionRegister.getDefaultInstance())
            .build()
            .toByteString();
    ByteString[] odd = {
      cmdA.concat(cmdB), // the body twice: the messages merge
      cmdA.concat(register), // both bodies: the last wins
      register.concat(cmdA),
      cmdB, // an unknown field inside the command
      ByteString.EMPTY, // no body at all
    };
    for (ByteString data : odd) {
      assertSame(generated(data), SessionCodec.decode(entry(data)));
    }
    assertNull(SessionCodec.decodeCommon(cmdA.concat(cmdB)), "the hand decoder passes on merges");
  }

  @Test
  void aCorruptEntryStopsTheNode() {
    ByteString torn = SessionCodec.command(5, 1, 2, 1, ByteString.copyFromUtf8("abc"));
    ByteString cut = torn.substring(0, torn.size() - 2);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> SessionCodec.decode(entry(cut)));
    assertEquals("entry 7 holds a corrupt session entry", e.getMessage());
  }
}
