package io.raftjvm.core.quorum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("MajorityConfig: commit index and vote counting by simple majority (§5.2, §5.3)")
class MajorityConfigTest {

  static long[] parse(String s) {
    s = s.trim();
    return s.isEmpty()
        ? new long[0]
        : Arrays.stream(s.split(" +")).mapToLong(Long::parseLong).toArray();
  }

  /** Voters 1..n acked the given indexes (in id order). */
  static long committed(long[] acked) {
    long[] ids = new long[acked.length];
    for (int i = 0; i < ids.length; i++) ids[i] = i + 1L;
    return new MajorityConfig(ids).committedIndex(id -> acked[(int) id - 1]);
  }

  /** The highest index acknowledged by a majority. Ref: §5.3. */
  @ParameterizedTest(name = "acked [{0}] -> {1}")
  @CsvSource({
    "5, 5",
    "0, 0",
    "5 3, 3",
    "3 5, 3",
    "1 2 3, 2",
    "3 2 1, 2",
    "9 9 0, 9",
    "0 0 9, 0",
    "7 7 7, 7",
    "1 2 3 4, 2",
    "4 4 1 1, 1",
    "4 4 4 1, 4",
    "5 1 4 2 3, 3",
    "10 10 2 2 2, 2",
    "10 10 10 2 2, 10",
    "1 2 3 4 5 6, 3",
    "6 6 6 6 1 1 1, 6",
    "6 6 6 1 1 1 1, 1"
  })
  void committedIndexTable(String acked, long want) {
    assertEquals(want, committed(parse(acked)));
  }

  /** An empty config commits everything, so that it is neutral in a joint config. */
  @Test
  void emptyConfigCommitsEverything() {
    assertEquals(Long.MAX_VALUE, new MajorityConfig().committedIndex(id -> 0));
    assertEquals(VoteResult.WON, new MajorityConfig().voteResult(Map.of()));
  }

  @ParameterizedTest(name = "{0} voters need {1}")
  @CsvSource({"1, 1", "2, 2", "3, 2", "4, 3", "5, 3", "6, 4", "7, 4"})
  void quorumSize(int n, int q) {
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) ids[i] = 10L + i;
    assertEquals(q, new MajorityConfig(ids).quorum());
  }

  /**
   * Votes: WON once a majority grants, LOST once a majority can no longer grant, PENDING otherwise.
   * Votes from non-voters do not count. Ref: §5.2.
   */
  @ParameterizedTest(name = "voters [{0}] granted [{1}] rejected [{2}] -> {3}")
  @CsvSource({
    "1, , , PENDING",
    "1, 1, , WON",
    "1, , 1, LOST",
    "1 2 3, 1, , PENDING",
    "1 2 3, 1 2, , WON",
    "1 2 3, 1, 2, PENDING",
    "1 2 3, 1, 2 3, LOST",
    "1 2 3 4, 1 2, 3, PENDING",
    "1 2 3 4, 1 2, 3 4, LOST",
    "1 2 3 4, 1 2 3, 4, WON",
    "1 2 3 4 5, 1 2, 3 4, PENDING",
    "1 2 3 4 5, 1, 3 4 5, LOST",
    "1 2 3, 1 7 8, , PENDING"
  })
  void voteResultTable(String voters, String granted, String rejected, VoteResult want) {
    Map<Long, Boolean> votes = new HashMap<>();
    for (long id : parse(granted == null ? "" : granted)) votes.put(id, true);
    for (long id : parse(rejected == null ? "" : rejected)) votes.put(id, false);
    assertEquals(want, new MajorityConfig(parse(voters)).voteResult(votes));
  }

  @Test
  void idsAreSortedCopiesAndDuplicatesRejected() {
    long[] in = {5, 1, 3};
    MajorityConfig c = new MajorityConfig(in);
    in[0] = 99;
    assertArrayEquals(new long[] {1, 3, 5}, c.ids());
    c.ids()[0] = 42;
    assertArrayEquals(new long[] {1, 3, 5}, c.ids());
    assertTrue(c.contains(5));
    assertFalse(c.contains(99));
    assertEquals(3, c.size());
    assertThrows(IllegalArgumentException.class, () -> new MajorityConfig(1, 2, 1));
  }

  /** The naive definition: the largest v such that at least a majority acked v or more. */
  static long naiveCommitted(long[] acked) {
    int q = acked.length / 2 + 1;
    long best = 0;
    for (long v : acked) {
      long atLeast = Arrays.stream(acked).filter(a -> a >= v).count();
      if (atLeast >= q) best = Math.max(best, v);
    }
    return best;
  }

  /**
   * Seeded random comparison of committedIndex against the naive definition, over arbitrary
   * (non-contiguous, unsorted) voter ids, ties and zeros. Prints the seed on failure.
   */
  @Test
  void committedIndexMatchesNaiveSortAndPick() {
    long base = Long.getLong("raft.quorum.seed", 20240601L);
    for (int i = 0; i < 2_000; i++) {
      long seed = base + i;
      SplittableRandom rnd = new SplittableRandom(seed);
      int n = 1 + rnd.nextInt(9);
      long[] ids = rnd.longs(n * 3L, 1, 1_000).distinct().limit(n).toArray();
      n = ids.length;
      long[] acked = new long[n];
      Map<Long, Long> byId = new HashMap<>();
      for (int k = 0; k < n; k++) {
        acked[k] = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(12);
        byId.put(ids[k], acked[k]);
      }
      long got = new MajorityConfig(ids).committedIndex(byId::get);
      assertEquals(
          naiveCommitted(acked),
          got,
          "seed=" + seed + " ids=" + Arrays.toString(ids) + " acked=" + Arrays.toString(acked));
    }
  }

  /** A voter with no progress (acked index 0) cannot help commit. */
  @Test
  void unknownVotersCountAsZero() {
    MajorityConfig c = new MajorityConfig(1, 2, 3);
    assertEquals(0, c.committedIndex(id -> id == 1 ? 9 : 0));
    assertEquals(5, c.committedIndex(id -> id == 2 ? 0 : 4 + id));
  }
}
