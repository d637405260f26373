package io.raftjvm.core.sim;

import static io.raftjvm.proto.MessageType.MSG_HEARTBEAT;
import static io.raftjvm.proto.MessageType.MSG_HEARTBEAT_RESPONSE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.core.Entries;
import io.raftjvm.core.EntryId;
import io.raftjvm.proto.Entry;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How many messages a cluster sends (the lab's Count test, made exact): an idle cluster sends
 * nothing but heartbeats, and a burst of proposals travels in a number of appends set by bytes, not
 * by entries. Messages are counted as the nodes hand them out ({@link MessageTally}).
 */
@DisplayName("Scenarios: message counts (§5.2, §5.3, thesis §10.2)")
class MessageCountScenarioTest {
  static final int ELECTION_TICKS = 10;
  static final int PROPOSALS = 1_000;

  /** With the default 1 MiB maxSizePerMsg, the most appends one follower may get for the burst. */
  static final int MAX_APPENDS_PER_FOLLOWER = 10;

  static Stream<Arguments> heartbeatsAndSeeds() {
    return IntStream.of(1, 2, 3, 5)
        .boxed()
        .flatMap(h -> LongStream.rangeClosed(1, 3).mapToObj(s -> Arguments.of(h, s)));
  }

  static Stream<Arguments> sizesAndSeeds() {
    return LongStream.of(64, 256, 1024)
        .boxed()
        .flatMap(m -> LongStream.rangeClosed(1, 3).mapToObj(s -> Arguments.of(m, s)));
  }

  static LongStream seeds() {
    return LongStream.rangeClosed(1, 5);
  }

  /** A 3-node cluster with an agreed leader, one entry committed and every commit index settled. */
  private static long settledLeader(SimCluster sim) {
    long leader = AgreementScenarioTest.electLeader(sim, sim.ids);
    sim.one(ByteString.copyFromUtf8("warm-up"), sim.ids.length, 10 * ELECTION_TICKS);
    sim.tickAll(2 * ELECTION_TICKS);
    assertEquals(leader, sim.agreedLeader(sim.ids), "leader changed while idle\n" + sim.describe());
    return leader;
  }

  /**
   * Over N ticks (a multiple of heartbeatTicks) an idle leader sends exactly N / heartbeatTicks
   * heartbeats to each follower, each is answered once, and nothing else is sent: no appends, no
   * votes. Ref: §5.2 ("leaders send periodic heartbeats ... in order to maintain their authority").
   */
  @ParameterizedTest(name = "heartbeatTicks={0}, seed {1}")
  @MethodSource("heartbeatsAndSeeds")
  void idleClusterSendsOnlyHeartbeats(int heartbeatTicks, long seed) {
    SimCluster sim = new SimCluster(3, seed, b -> b.heartbeatTicks(heartbeatTicks));
    MessageTally tally = MessageTally.install(sim);
    long leader = settledLeader(sim);
    long term = sim.node(leader).node.status().term();
    tally.reset();
    int ticks = (100 / heartbeatTicks) * heartbeatTicks;
    sim.tickAll(ticks);
    long beats = ticks / heartbeatTicks;
    for (long f : sim.ids) {
      if (f == leader) continue;
      assertEquals(
          beats,
          tally.count(MSG_HEARTBEAT, leader, f),
          "heartbeats to " + f + ": " + tally.byType() + "\n" + sim.describe());
      assertEquals(
          beats,
          tally.count(MSG_HEARTBEAT_RESPONSE, f, leader),
          "heartbeat responses from " + f + ": " + tally.byType() + "\n" + sim.describe());
    }
    assertEquals(
        4 * beats,
        tally.count(m -> true),
        "unexpected traffic " + tally.byType() + "\n" + sim.describe());
    assertEquals(term, sim.node(leader).node.status().term(), "term changed\n" + sim.describe());
    if (seed == 1) {
      System.out.printf(
          "idle seed=%d heartbeatTicks=%d: %d ticks, %s%n",
          seed, heartbeatTicks, ticks, tally.byType());
    }
  }

  /**
   * 1,000 proposals made between two drains of the leader reach each follower in at most {@value
   * #MAX_APPENDS_PER_FOLLOWER} appends (empty commit-carrying ones included) with the default 1 MiB
   * maxSizePerMsg, and all are applied everywhere. Ref: §5.3, thesis §10.2.1 (batching).
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void burstTravelsInAFewAppends(long seed) {
    SimCluster sim = SimCluster.of(3, seed);
    MessageTally tally = MessageTally.install(sim);
    long leader = settledLeader(sim);
    tally.reset();
    long last = proposeAndApply(sim, leader);
    for (long f : sim.ids) {
      if (f == leader) continue;
      long appends = tally.appendsTo(f);
      System.out.printf(
          "burst seed=%d: %d proposals reached follower %d in %d appends (%d with entries)%n",
          seed, PROPOSALS, f, appends, tally.appendsWithEntriesTo(f));
      assertTrue(
          appends <= MAX_APPENDS_PER_FOLLOWER,
          "follower "
              + f
              + " got "
              + appends
              + " appends for "
              + PROPOSALS
              + " proposals\n"
              + sim.describe());
    }
    sim.assertAllApplied(last);
  }

  /**
   * With a small maxSizePerMsg the entries are cut into appends of at most that many bytes (at
   * least one entry each), packed greedily in log order: the count of appends carrying entries is
   * exactly the greedy packing of the burst, hence at least totalBytes / maxSizePerMsg. Ref: §5.3,
   * thesis §10.2.1.
   */
  @ParameterizedTest(name = "maxSizePerMsg={0}, seed {1}")
  @MethodSource("sizesAndSeeds")
  void appendsFollowSizeOverMaxSizePerMsg(long maxSize, long seed) {
    SimCluster sim = new SimCluster(3, seed, b -> b.maxSizePerMsg(maxSize));
    MessageTally tally = MessageTally.install(sim);
    long leader = settledLeader(sim);
    tally.reset();
    long first = sim.node(leader).lastIndex() + 1;
    long last = proposeAndApply(sim, leader);
    List<Entry> burst = sim.node(leader).view.subList((int) first - 1, (int) last);
    long bytes = Entries.sizeOf(burst);
    long expected = greedyPacking(burst, maxSize);
    long lowerBound = (bytes + maxSize - 1) / maxSize;
    assertTrue(expected >= lowerBound, "packing arithmetic, seed=" + seed);
    for (long f : sim.ids) {
      if (f == leader) continue;
      long withEntries = tally.appendsWithEntriesTo(f);
      System.out.printf(
          "maxSizePerMsg=%d seed=%d: %d bytes -> follower %d got %d appends with entries (expected %d,"
              + " bytes/max=%d), %d in all%n",
          maxSize, seed, bytes, f, withEntries, expected, lowerBound, tally.appendsTo(f));
      assertEquals(expected, withEntries, "appends with entries to " + f + "\n" + sim.describe());
    }
  }

  /** Proposes PROPOSALS commands on leader between two drains, then runs until all are applied. */
  private static long proposeAndApply(SimCluster sim, long leader) {
    List<EntryId> ids = sim.proposeBatch(leader, PROPOSALS);
    long last = ids.get(ids.size() - 1).index();
    sim.stabilize(1_000_000);
    int rounds =
        sim.tickUntil(
            2 * ELECTION_TICKS,
            () -> sim.upNodes().stream().allMatch(n -> n.applied.size() >= last));
    assertTrue(rounds >= 0, "burst not applied everywhere\n" + sim.describe());
    sim.assertAllApplied(last);
    return last;
  }

  /** Appends needed for ents when each holds at most maxSize bytes but at least one entry. */
  private static long greedyPacking(List<Entry> ents, long maxSize) {
    long count = 0;
    long size = 0;
    for (Entry e : ents) {
      long s = e.getSerializedSize();
      if (count == 0 || size + s > maxSize) {
        count++;
        size = s;
      } else {
        size += s;
      }
    }
    return count;
  }
}
