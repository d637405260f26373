package io.raftjvm.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.netty.channel.embedded.EmbeddedChannel;
import io.raftjvm.proto.Message;
import io.raftjvm.proto.PeerFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The hello check and the one-delivery-per-read-burst rule of the server side of a peer link. */
class PeerInboundHandlerTest {
  private static final String CLUSTER = "c1";
  private static final long SELF = 2;
  private static final FrameBudget BUDGET = new FrameBudget(1 << 30);

  private final List<List<Message>> deliveries = new ArrayList<>();
  private final MessageSink sink = deliveries::add;
  private final LogCapture log = new LogCapture(PeerInboundHandler.class);

  @AfterEach
  void detachLog() {
    log.close();
  }

  private EmbeddedChannel channel() {
    return new EmbeddedChannel(new PeerInboundHandler(CLUSTER, SELF, Set.of(1L, 3L), sink));
  }

  private void assertRefused(EmbeddedChannel ch, String reason) {
    assertFalse(ch.isOpen());
    assertEquals(List.of(), deliveries);
    assertEquals(
        List.of("WARN refused peer connection from embedded: " + reason), log.lines(Level.WARN));
  }

  /** A joining server learns where to answer a leader its configuration does not name yet. */
  @Test
  void anAcceptedHelloPassesOnTheSendersAddress() {
    List<String> introduced = new ArrayList<>();
    MessageSink recording =
        new MessageSink() {
          @Override
          public void deliver(List<Message> messages) {
            deliveries.add(messages);
          }

          @Override
          public void peerAddress(long peer, String address) {
            introduced.add(peer + "@" + address);
          }
        };
    EmbeddedChannel ch =
        new EmbeddedChannel(new PeerInboundHandler(CLUSTER, SELF, Set.of(1L, 3L), recording));
    PeerFrame hello = Frames.hello(CLUSTER, 3, SELF);
    ch.writeInbound(
        hello.toBuilder()
            .setHello(hello.getHello().toBuilder().setFromAddress("10.0.0.3:7103"))
            .build());
    assertTrue(ch.isOpen());
    assertEquals(List.of("3@10.0.0.3:7103"), introduced);
  }

  @Test
  void wrongClusterIdIsRefused() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(Frames.hello("other", 1, SELF), Frames.frame(Frames.append(1, SELF, 5)));
    assertRefused(ch, "cluster id 'other' != 'c1'");
  }

  @Test
  void unknownNodeIsRefused() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(Frames.hello(CLUSTER, 7, SELF));
    assertRefused(
        ch, "unknown node id 7 (not a member here; add it with raft-admin.sh add-learner)");
  }

  /**
   * A server waiting to be added knocks on every reconnect: the refusal is logged once, the repeats
   * at a slowing rate, and the acceptance says how many came before it.
   */
  @Test
  void repeatedRefusalsOfOneServerAreLoggedOnceAndSummarizedWhenItIsAccepted() {
    long[] now = {0};
    RepeatedWarnings refusals = new RepeatedWarnings(() -> now[0]);
    Set<Long> members = new java.util.HashSet<>(Set.of(1L, 3L));
    for (int i = 0; i < 5; i++) {
      EmbeddedChannel ch =
          new EmbeddedChannel(
              new PeerInboundHandler(CLUSTER, SELF, members::contains, sink, refusals));
      ch.writeInbound(Frames.hello(CLUSTER, 4, SELF));
      assertFalse(ch.isOpen());
      now[0] += 1_000_000_000L; // a reconnect every second
    }
    assertEquals(1, log.lines(Level.WARN).size(), log.lines(Level.WARN).toString());
    members.add(4L); // an operator added it
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new PeerInboundHandler(CLUSTER, SELF, members::contains, sink, refusals));
    ch.writeInbound(Frames.hello(CLUSTER, 4, SELF));
    assertTrue(ch.isOpen());
    assertTrue(
        log.lines(Level.INFO).stream()
            .anyMatch(
                l ->
                    l.contains("accepted peer connection from node 4")
                        && l.endsWith("after 5 refused attempts")),
        log.lines(Level.INFO).toString());
  }

  /**
   * A peer that was a member and is not any more (removed) is refused at its hello, and told why on
   * its own connection first (the entry removing it may never reach it).
   */
  @Test
  void aRemovedPeerIsToldAndRefusedAtItsHello() {
    MessageSink says =
        new MessageSink() {
          @Override
          public void deliver(List<Message> messages) {}

          @Override
          public String notMember(long peer) {
            return peer == 3
                ? "node 3 is not in the configuration of node 2: it was removed"
                : null;
          }
        };
    EmbeddedChannel ch =
        new EmbeddedChannel(new PeerInboundHandler(CLUSTER, SELF, Set.of(1L, 3L), says));
    ch.writeInbound(Frames.hello(CLUSTER, 3, SELF), Frames.frame(Frames.append(3, SELF, 5)));
    PeerFrame told = ch.readOutbound();
    assertEquals(
        "node 3 is not in the configuration of node 2: it was removed",
        told.getNotice().getNotMember());
    assertRefused(
        ch,
        "node 3 is not in the configuration of node 2: it was removed; to bring it back, add it"
            + " under a new id with an empty data directory");
    // A member is accepted as before.
    EmbeddedChannel member =
        new EmbeddedChannel(new PeerInboundHandler(CLUSTER, SELF, Set.of(1L, 3L), says));
    member.writeInbound(Frames.hello(CLUSTER, 1, SELF));
    assertTrue(member.isOpen());
  }

  /**
   * A peer whose protocol versions do not overlap this server's is told why and refused, with one
   * line naming both versions; a hello stating a version this server understands, or none (a build
   * before versions were stated), is accepted.
   */
  @Test
  void aPeerOfAnIncompatibleProtocolVersionIsToldAndRefused() {
    PeerFrame hello = Frames.hello(CLUSTER, 3, SELF);
    EmbeddedChannel ch = channel();
    ch.writeInbound(
        hello.toBuilder()
            .setHello(hello.getHello().toBuilder().setProtocolVersion(3).setMinProtocolVersion(2))
            .build());
    String line =
        "node 3 speaks peer protocol 3 (understands 2-3), this server 1 (no version in common:"
            + " upgrade this server)";
    PeerFrame told = ch.readOutbound();
    assertEquals("node 2 refuses this server: " + line, told.getNotice().getRefused());
    assertRefused(ch, line);

    for (int version : new int[] {0, 1}) {
      EmbeddedChannel ok = channel();
      ok.writeInbound(
          hello.toBuilder()
              .setHello(
                  hello.getHello().toBuilder()
                      .setProtocolVersion(version)
                      .setMinProtocolVersion(version))
              .build());
      assertTrue(ok.isOpen(), "version " + version);
    }
  }

  @Test
  void helloForAnotherNodeIsRefused() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(Frames.hello(CLUSTER, 1, 3));
    assertRefused(ch, "hello addressed to node 3, this is node 2");
  }

  @Test
  void messageBeforeHelloIsRefused() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(Frames.frame(Frames.append(1, SELF, 5)));
    assertRefused(ch, "first frame is not a hello");
  }

  @Test
  void messagesOfOneReadBurstReachTheSinkInOneDelivery() {
    EmbeddedChannel ch = channel();
    Message m1 = Frames.append(1, SELF, 5);
    Message m2 = Frames.append(1, SELF, 6);
    Message m3 = Frames.append(1, SELF, 7);
    // writeInbound fires channelRead for each frame, then channelReadComplete once: one burst.
    ch.writeInbound(Frames.hello(CLUSTER, 1, SELF), Frames.frame(m1), Frames.frame(m2));
    assertEquals(List.of(List.of(m1, m2)), deliveries);
    ch.writeInbound(Frames.frame(m3));
    assertEquals(List.of(List.of(m1, m2), List.of(m3)), deliveries);
    assertTrue(ch.isOpen());
  }

  @Test
  void helloAloneDeliversNothing() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(Frames.hello(CLUSTER, 3, SELF));
    assertTrue(ch.isOpen());
    assertEquals(List.of(), deliveries);
  }

  @Test
  void misaddressedMessagesAreDroppedAndTheConnectionStays() {
    EmbeddedChannel ch = channel();
    Message good = Frames.append(1, SELF, 5);
    ch.writeInbound(
        Frames.hello(CLUSTER, 1, SELF),
        Frames.frame(Frames.append(3, SELF, 5)), // claims to come from another peer
        Frames.frame(Frames.append(1, 9, 5)), // addressed to another node
        Frames.frame(good));
    assertEquals(List.of(List.of(good)), deliveries);
    assertTrue(ch.isOpen());
  }

  @Test
  void secondHelloClosesAfterDeliveringWhatCameBefore() {
    EmbeddedChannel ch = channel();
    Message m1 = Frames.append(1, SELF, 5);
    ch.writeInbound(
        Frames.hello(CLUSTER, 1, SELF), Frames.frame(m1), Frames.hello(CLUSTER, 1, SELF));
    assertFalse(ch.isOpen());
    assertEquals(List.of(List.of(m1)), deliveries);
    assertEquals(1, log.lines(Level.WARN).size());
  }

  @Test
  void wholePipelineDecodesABufferOfFramesIntoOneDelivery() {
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new PeerServerInitializer(
                CLUSTER, SELF, Set.of(1L, 3L)::contains, sink, 1 << 20, BUDGET));
    Message m1 = Frames.append(3, SELF, 5);
    Message m2 = Frames.append(3, SELF, 6);
    ch.writeInbound(
        Frames.wire(Frames.hello(CLUSTER, 3, SELF), Frames.frame(m1), Frames.frame(m2)));
    assertEquals(List.of(List.of(m1, m2)), deliveries);
    assertTrue(ch.isOpen());
  }

  @Test
  void wholePipelineRefusesAForeignCluster() {
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new PeerServerInitializer(
                CLUSTER, SELF, Set.of(1L, 3L)::contains, sink, 1 << 20, BUDGET));
    ch.writeInbound(
        Frames.wire(Frames.hello("prod", 3, SELF), Frames.frame(Frames.append(3, SELF, 5))));
    assertRefused(ch, "cluster id 'prod' != 'c1'");
  }

  @Test
  void framesAfterAProtocolErrorInTheSameReadAreNotDelivered() {
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new PeerServerInitializer(
                CLUSTER, SELF, Set.of(1L, 3L)::contains, sink, 1 << 10, BUDGET));
    Message before = Frames.append(3, SELF, 5);
    io.netty.buffer.ByteBuf buf = Frames.wire(Frames.hello(CLUSTER, 3, SELF), Frames.frame(before));
    buf.writeInt(2000).writeBytes(new byte[2000]); // over the 1 KiB maximum
    buf.writeBytes(Frames.wire(Frames.frame(Frames.append(3, SELF, 6))));
    ch.writeInbound(buf);
    assertFalse(ch.isOpen());
    assertEquals(List.of(List.of(before)), deliveries);
  }

  /** A 100 KiB append: over the limit before a hello, well within the transport's maximum. */
  private static Message largeAppend() {
    return Frames.append(3, SELF, 5).toBuilder()
        .setEntries(
            0,
            Frames.append(3, SELF, 5).getEntries(0).toBuilder()
                .setData(com.google.protobuf.ByteString.copyFrom(new byte[100 << 10])))
        .build();
  }

  @Test
  void aLargeFrameBeforeTheHelloClosesAsSoonAsItsLengthArrives() {
    try (LogCapture errors = new LogCapture(CloseOnErrorHandler.class)) {
      EmbeddedChannel ch =
          new EmbeddedChannel(
              new PeerServerInitializer(
                  CLUSTER, SELF, Set.of(1L, 3L)::contains, sink, 1 << 20, BUDGET));
      io.netty.buffer.ByteBuf wire = Frames.wire(Frames.frame(largeAppend()));
      int announced = wire.readableBytes();
      ch.writeInbound(wire.readRetainedSlice(1024)); // the length and the first KiB only
      wire.release();
      assertFalse(ch.isOpen(), "closed without waiting for the other 99 KiB");
      assertEquals(List.of(), deliveries);
      assertEquals(
          List.of(
              "WARN closing peer connection from embedded: frame too long ("
                  + announced
                  + " bytes announced, limit "
                  + PeerInboundHandler.MAX_FRAME_BYTES_BEFORE_HELLO
                  + ")"),
          errors.lines(Level.WARN));
    }
  }

  @Test
  void theSameFrameAfterAValidHelloIsAccepted() {
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new PeerServerInitializer(
                CLUSTER, SELF, Set.of(1L, 3L)::contains, sink, 1 << 20, BUDGET));
    Message large = largeAppend();
    ch.writeInbound(
        Frames.wire(Frames.hello(CLUSTER, 3, SELF), Frames.frame(large))); // in one read
    ch.writeInbound(Frames.wire(Frames.frame(large))); // and in the next
    assertTrue(ch.isOpen());
    assertEquals(List.of(List.of(large), List.of(large)), deliveries);
  }
}
