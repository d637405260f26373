package io.raftjvm.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lowest outstanding sequence number (a session's first unacknowledged, thesis §6.3) is the
 * minimum of a sorted set of the numbers taken and not settled, whatever order they settle in.
 */
class OutstandingSequencesTest {
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4})
  void lowestIsTheSmallestNumberNotSettled(long seed) {
    Random rnd = new Random(seed);
    OutstandingSequences out = new OutstandingSequences();
    TreeSet<Long> model = new TreeSet<>();
    List<Long> open = new ArrayList<>();
    long next = 1;
    int most = seed % 2 == 0 ? 10 : 700; // outstanding at once: a few, or past the first window
    for (int op = 0; op < 50_000; op++) {
      if (open.size() < most && (open.isEmpty() || rnd.nextBoolean())) {
        long s = out.take();
        assertEquals(next++, s, "seed " + seed + ", op " + op + ": numbers in order");
        model.add(s);
        open.add(s);
      } else {
        long s = open.remove(rnd.nextInt(open.size()));
        out.settle(s);
        out.settle(s); // settling twice changes nothing
        model.remove(s);
      }
      assertEquals(
          model.isEmpty() ? next : model.first(), out.lowest(), "seed " + seed + ", op " + op);
    }
  }
}
