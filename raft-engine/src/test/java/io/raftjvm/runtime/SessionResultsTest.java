package io.raftjvm.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ring of saved results behaves as the sorted map it replaced (thesis §6.3): the same answers,
 * sizes and snapshot order under random saves, lookups and acknowledgements, with clients that keep
 * few or thousands of commands outstanding and clients that jump far ahead.
 */
class SessionResultsTest {
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void behavesAsASortedMapOfTheUnacknowledgedResults(long seed) {
    Random rnd = new Random(seed);
    SessionResults ring = new SessionResults();
    TreeMap<Long, byte[]> model = new TreeMap<>();
    long first = 1;
    long next = 1;
    int width = seed % 2 == 0 ? 40 : 3000;
    for (int op = 0; op < 20_000; op++) {
      String at = "seed " + seed + ", op " + op;
      int kind = rnd.nextInt(100);
      if (kind < 45) {
        long far = SessionResults.MAX_RING;
        long seq = rnd.nextInt(50) == 0 ? next + far + rnd.nextInt(3 * (int) far) : next++;
        if (rnd.nextInt(10) == 0) seq = first + rnd.nextInt(width); // a retry's or a gap's
        Long again = model.ceilingKey(first + rnd.nextInt(4 * SessionResults.MAX_RING));
        if (again != null && rnd.nextInt(10) == 0) seq = again; // saved again, maybe once far
        byte[] value = {(byte) seq, (byte) op};
        ring.put(seq, value);
        model.put(seq, value);
      } else if (kind < 85) {
        long seq = first - 2 + rnd.nextInt(width + 4);
        assertArrayEquals(model.get(seq), ring.get(seq), at + ", get " + seq);
      } else {
        long to =
            first + rnd.nextInt(rnd.nextInt(20) == 0 ? 2 * SessionResults.MAX_RING : width / 2 + 1);
        ring.dropBelow(to);
        model.headMap(to).clear();
        first = Math.max(first, to);
        next = Math.max(next, first);
      }
      assertEquals(model.size(), ring.size(), at);
      if (op % 500 == 0) {
        List<Long> seen = new ArrayList<>();
        ring.forEach((s, v) -> seen.add(s));
        assertEquals(new ArrayList<>(model.keySet()), seen, at + ": snapshot order");
      }
    }
    for (Map.Entry<Long, byte[]> e : model.entrySet()) {
      assertArrayEquals(e.getValue(), ring.get(e.getKey()));
    }
    assertNull(ring.get(first - 1));
  }
}
