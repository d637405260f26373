package io.raftjvm.lincheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Histories of a simulated linearizable counter with many concurrent clients: each operation takes
 * effect at a random instant inside its interval; some adds end unknown, having taken effect (even
 * after their client gave up) or not; some end failed without effect. The checker must accept them
 * all at benchmark size, and reject each after one planted corruption. Seeds are printed on
 * failure.
 */
class GeneratedHistoriesTest {
  /** An operation being generated, with the instant it takes effect. */
  private record Pending(
      int process, boolean add, long invoke, long effect, long complete, int fate) {}

  static List<Operation> history(long seed, int ops, int processes) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Pending> pending = new ArrayList<>();
    long[] free = new long[processes];
    for (int i = 0; i < ops; i++) {
      int p = r.nextInt(processes);
      long invoke = free[p] + r.nextLong(1, 200_000);
      long latency = r.nextLong(50_000, 2_000_000);
      long complete = invoke + latency;
      int fate =
          r.nextInt(200); // 0: unknown, took effect late; 1: unknown, never; 2: failed; else ok
      long effect =
          fate == 0 ? complete + r.nextLong(0, 50_000_000) : invoke + r.nextLong(0, latency);
      free[p] = complete;
      pending.add(new Pending(p, r.nextInt(100) < 70, invoke, effect, complete, fate));
    }
    // Apply in effect order to learn each operation's result.
    List<Pending> byEffect = new ArrayList<>(pending);
    byEffect.sort((a, b) -> Long.compare(a.effect(), b.effect()));
    java.util.IdentityHashMap<Pending, Long> value = new java.util.IdentityHashMap<>();
    long counter = 0;
    for (Pending o : byEffect) {
      boolean applied = !o.add() || (o.fate() != 1 && o.fate() != 2);
      if (o.add() && applied) counter++;
      value.put(o, counter);
    }
    List<Operation> out = new ArrayList<>();
    for (Pending o : pending) {
      Operation.Status st =
          o.fate() <= 1
              ? Operation.Status.UNKNOWN
              : o.fate() == 2 ? Operation.Status.FAIL : Operation.Status.OK;
      out.add(
          o.add()
              ? Operation.add(o.process(), 1, value.get(o), o.invoke(), o.complete(), st)
              : Operation.get(o.process(), value.get(o), o.invoke(), o.complete(), st));
    }
    return out;
  }

  @Test
  void simulatedLinearizableHistoriesAreAccepted() {
    for (long seed = 1; seed <= 40; seed++) {
      List<Operation> h = history(seed, 2_000, 1 + (int) (seed % 16));
      CheckResult r = new LinearizabilityChecker(new CounterModel()).check(h);
      assertTrue(r.linearizable(), "seed " + seed + ": " + r.explain());
    }
  }

  @Test
  void aBenchmarkSizedHistoryChecksInSeconds() {
    long seed = 4242;
    List<Operation> h = history(seed, 300_000, 64);
    CheckResult r =
        new LinearizabilityChecker(new CounterModel())
            .timeLimit(java.time.Duration.ofSeconds(60))
            .check(h);
    System.out.println("checker: " + r.explain());
    assertTrue(r.linearizable(), "seed " + seed + ": " + r.explain());
    assertEquals(300_000, r.operations());
  }

  @Test
  void oneCorruptedAcknowledgementIsFound() {
    for (long seed = 100; seed < 120; seed++) {
      List<Operation> h = new ArrayList<>(history(seed, 2_000, 8));
      SplittableRandom r = new SplittableRandom(seed);
      // An acknowledged add or read told a value far off: lost, duplicated, stale or from the
      // future (off by one could still be explained by a concurrent or unknown add).
      int i;
      do {
        i = r.nextInt(h.size());
      } while (!h.get(i).ok());
      Operation o = h.get(i);
      long wrong = o.value() + (r.nextBoolean() ? 1_000 : -1_000);
      h.set(
          i,
          o.kind() == Operation.Kind.ADD
              ? Operation.add(o.process(), 1, wrong, o.invoke(), o.complete(), Operation.Status.OK)
              : Operation.get(o.process(), wrong, o.invoke(), o.complete(), Operation.Status.OK));
      CheckResult res = new LinearizabilityChecker(new CounterModel()).check(h);
      assertEquals(
          CheckResult.Verdict.NOT_LINEARIZABLE,
          res.verdict(),
          "seed " + seed + " op " + i + ": " + res.explain());
    }
  }
}
