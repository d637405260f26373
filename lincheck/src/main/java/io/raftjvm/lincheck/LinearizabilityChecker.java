package io.raftjvm.lincheck;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Decides whether a history is linearizable against a {@link Model}: the search of Wing and Gong
 * with Lowe's just-in-time linearization and memoization (the design Knossos and Porcupine use),
 * iterative, over the history's call and return events in time order.
 *
 * <p>How it works. Operations with a known outcome (ok) have a call and a return event in a doubly
 * linked list sorted by time. The search linearizes, one at a time, an operation whose call
 * precedes the first return event still in the list (any other order would put an operation after
 * one that returned before it was called), if the model allows it in the current state; the
 * operation's events leave the list. Reaching a return event whose operation is not linearized is a
 * dead end: the search undoes its last choice (dancing links) and tries the next. It succeeds when
 * no return event is left. A configuration (set of linearized operations, state) already explored
 * is not explored again.
 *
 * <p>Choices made here, and why they are sound:
 *
 * <ul>
 *   <li>Failed operations had no effect and failed reads tell nothing: they are dropped.
 *   <li>Operations of unknown outcome may take effect at any time after their call, or never: they
 *       have no return event, and the search ends without them when every return is placed.
 *   <li>Symmetry: unknown operations with the same effect (an add of 1, a put of 5) differ only in
 *       when they were called; whichever of them a linearization uses, the earliest-called ones can
 *       stand in for them. So they are kept apart from the list, grouped by effect, and only the
 *       next one of each group (in call order) is ever a candidate: a thousand lost adds are one
 *       choice, not a thousand.
 *   <li>Memoization keys on two independent 64-bit Zobrist hashes of the linearized set and a hash
 *       of the state (128 bits: a false match among the billions of configurations a search could
 *       visit has odds below 10^-18), so a key costs 16 bytes whatever the history's length. The
 *       table is cleared when it grows past its bound: slower, never wrong.
 *   <li>Reads allowed in the current state are linearized at once, before any other choice, and are
 *       not tried in other orders: a read changes nothing, and every operation not yet placed
 *       returns after the read's call, so a solution that places the read later can place it now.
 *       Without this, concurrent reads of one value would be tried in every order.
 *   <li>A return at the same nanosecond as a call counts as after it (the two overlap): when in
 *       doubt, the operations are concurrent, which never turns a linearizable history into a
 *       violation.
 * </ul>
 *
 * <p>Not thread-safe; a checker may be reused for several histories one after the other.
 */
public final class LinearizabilityChecker {
  private static final int MEMO_MAX_ENTRIES = 1 << 23;

  private final Model model;
  private long initial;
  private Duration timeLimit = Duration.ofMinutes(5);

  public LinearizabilityChecker(Model model) {
    this.model = model;
  }

  /** The model's state before the history's first operation. */
  public LinearizabilityChecker initial(long state) {
    this.initial = state;
    return this;
  }

  /** How long the search may take before it answers unknown. */
  public LinearizabilityChecker timeLimit(Duration limit) {
    this.timeLimit = limit;
    return this;
  }

  public CheckResult check(List<Operation> history) {
    return new Search(history).run();
  }

  /** One search over one history. */
  private final class Search {
    private final long started = System.nanoTime();
    private final long origin;
    private final int total;
    // Known operations and their events: entry 2i is op i's call, 2i+1 its return; list index
    // e+1 (0 is the head sentinel, 2n+1 the tail).
    private final Operation[] known;
    private final long[] time;
    private final int[] next;
    private final int[] prev;
    private final long[] z1;
    private final long[] z2;
    // Unknown operations by effect, each group in call order; taken[g] of group g are linearized.
    private final Operation[][] groups;
    private final long[][] gz1;
    private final long[][] gz2;
    private final int[] taken;
    private final Memo memo = new Memo();
    private int unknownCount;
    // Deepest dead end, for the report.
    private long stuckTime = Long.MIN_VALUE;
    private List<Operation> stuckPending = List.of();
    private Operation stuckOp;
    private long stuckState;
    private List<Operation> stuckBefore = List.of();

    Search(List<Operation> history) {
      total = history.size();
      List<Operation> ok = new ArrayList<>();
      Map<List<Object>, List<Operation>> byEffect = new LinkedHashMap<>();
      long first = Long.MAX_VALUE;
      for (Operation o : history) {
        first = Math.min(first, o.invoke());
        if (o.status() == Operation.Status.FAIL) continue;
        if (o.kind() == Operation.Kind.GET && !o.ok()) continue;
        if (o.ok()) {
          ok.add(o);
        } else {
          unknownCount++;
          byEffect
              .computeIfAbsent(
                  List.<Object>of(o.kind(), o.delta(), o.arg(), o.expect()), k -> new ArrayList<>())
              .add(o);
        }
      }
      origin = first == Long.MAX_VALUE ? 0 : first;
      SplittableRandom keys = new SplittableRandom(0x11ea7L);
      int n = ok.size();
      known = ok.toArray(new Operation[0]);
      z1 = new long[n];
      z2 = new long[n];
      for (int i = 0; i < n; i++) {
        z1[i] = keys.nextLong();
        z2[i] = keys.nextLong();
      }
      // Events sorted by time; at equal times calls first (overlap).
      Integer[] order = new Integer[2 * n];
      for (int e = 0; e < 2 * n; e++) order[e] = e;
      Arrays.sort(
          order, Comparator.<Integer>comparingLong(e -> eventTime(e)).thenComparingInt(e -> e & 1));
      time = new long[2 * n + 2];
      next = new int[2 * n + 2];
      prev = new int[2 * n + 2];
      // Link positions: slot[e] = list index of entry e.
      int[] slotOf = new int[2 * n];
      for (int k = 0; k < 2 * n; k++) slotOf[order[k]] = k + 1;
      // Entries are addressed by list index; remember which event each index holds.
      eventAt = new int[2 * n + 2];
      for (int k = 0; k < 2 * n; k++) {
        eventAt[k + 1] = order[k];
        time[k + 1] = eventTime(order[k]);
      }
      time[0] = Long.MIN_VALUE;
      time[2 * n + 1] = Long.MAX_VALUE;
      for (int k = 0; k <= 2 * n + 1; k++) {
        next[k] = k + 1;
        prev[k] = k - 1;
      }
      slot = slotOf;
      groups = new Operation[byEffect.size()][];
      gz1 = new long[groups.length][];
      gz2 = new long[groups.length][];
      int g = 0;
      for (List<Operation> ops : byEffect.values()) {
        ops.sort(Comparator.comparingLong(Operation::invoke));
        groups[g] = ops.toArray(new Operation[0]);
        gz1[g] = new long[ops.size()];
        gz2[g] = new long[ops.size()];
        for (int i = 0; i < ops.size(); i++) {
          gz1[g][i] = keys.nextLong();
          gz2[g][i] = keys.nextLong();
        }
        g++;
      }
      taken = new int[groups.length];
    }

    private final int[] eventAt;
    private final int[] slot;

    private long eventTime(int e) {
      Operation o = known[e >> 1];
      return (e & 1) == 0 ? o.invoke() : o.complete();
    }

    private boolean isReturn(int idx) {
      return idx == next.length - 1 || (eventAt[idx] & 1) == 1;
    }

    private void unlink(int idx) {
      next[prev[idx]] = next[idx];
      prev[next[idx]] = prev[idx];
    }

    private void relink(int idx) {
      next[prev[idx]] = idx;
      prev[next[idx]] = idx;
    }

    CheckResult run() {
      int n = known.length;
      int head = 0;
      int tail = 2 * n + 1;
      // The stack of choices: what was linearized (list index of a known op's call, or -1 - group),
      // the state before it, whether it was a forced read, and for a group the first return then.
      int size = n + unknownCount + 1;
      int[] choice = new int[size];
      long[] before = new long[size];
      boolean[] forced = new boolean[size];
      int[] returnAt = new int[size];
      int depth = 0;
      long state = initial;
      long h1 = 0;
      long h2 = 0;
      int returnsLeft = n;
      long deadline = started + timeLimit.toNanos();
      long steps = 0;
      // Where the scan stands: a list index (phase 0), or the next group to try before the first
      // return at list index ret (phase 1). fresh: the scan starts over after a choice.
      int pos = next[head];
      boolean fresh = true;
      boolean scanningGroups = false;
      int group = 0;
      int ret = tail;
      while (true) {
        if (returnsLeft == 0) return result(CheckResult.Verdict.LINEARIZABLE);
        if ((++steps & 0x3ff) == 0 && System.nanoTime() > deadline)
          return result(CheckResult.Verdict.UNKNOWN);
        boolean dead = false;
        if (fresh) {
          // Reads allowed now go first and are never undone one by one (see Model.readOnly): if
          // the configuration with them fails, the one without them fails too.
          fresh = false;
          for (int p = next[head]; !isReturn(p); ) {
            int op = eventAt[p] >> 1;
            Operation o = known[op];
            int after = next[p];
            if (!model.readOnly(o) || !model.allows(state, o)) {
              p = after;
              continue;
            }
            if (after == slot[2 * op + 1]) after = next[after];
            if (!memo.add(h1 ^ z1[op], h2 ^ z2[op], state)) {
              dead = true;
              break;
            }
            choice[depth] = p;
            before[depth] = state;
            forced[depth] = true;
            depth++;
            unlink(p);
            unlink(slot[2 * op + 1]);
            h1 ^= z1[op];
            h2 ^= z2[op];
            returnsLeft--;
            p = after;
          }
          if (!dead) {
            if (returnsLeft == 0) return result(CheckResult.Verdict.LINEARIZABLE);
            pos = next[head];
          }
        }
        if (!dead && !scanningGroups) {
          if (isReturn(pos)) {
            scanningGroups = true;
            group = 0;
            ret = pos;
            continue;
          }
          int op = eventAt[pos] >> 1;
          Operation o = known[op];
          if (!model.readOnly(o) && model.allows(state, o)) {
            long s = model.apply(state, o);
            if (memo.add(h1 ^ z1[op], h2 ^ z2[op], s)) {
              choice[depth] = pos;
              before[depth] = state;
              forced[depth] = false;
              depth++;
              unlink(pos);
              unlink(slot[2 * op + 1]);
              h1 ^= z1[op];
              h2 ^= z2[op];
              state = s;
              returnsLeft--;
              fresh = true;
              continue;
            }
          }
          pos = next[pos];
          continue;
        }
        if (!dead) {
          // Unknown operations called before the first pending return.
          for (; group < groups.length; group++) {
            int k = taken[group];
            if (k == groups[group].length) continue;
            Operation o = groups[group][k];
            if (o.invoke() > time[ret] || !model.allows(state, o)) continue;
            long s = model.apply(state, o);
            if (!memo.add(h1 ^ gz1[group][k], h2 ^ gz2[group][k], s)) continue;
            choice[depth] = -1 - group;
            before[depth] = state;
            forced[depth] = false;
            returnAt[depth] = ret;
            depth++;
            taken[group]++;
            h1 ^= gz1[group][k];
            h2 ^= gz2[group][k];
            state = s;
            break;
          }
          if (group < groups.length) {
            scanningGroups = false;
            fresh = true;
            continue;
          }
          // Dead end at return ret: remember the deepest.
          if (time[ret] > stuckTime) remember(ret, state, choice, depth);
        }
        // Undo choices back to the last one that has alternatives: forced reads have none.
        while (true) {
          if (depth == 0) return result(CheckResult.Verdict.NOT_LINEARIZABLE);
          depth--;
          state = before[depth];
          int c = choice[depth];
          if (c >= 0) {
            int op = eventAt[c] >> 1;
            relink(slot[2 * op + 1]);
            relink(c);
            h1 ^= z1[op];
            h2 ^= z2[op];
            returnsLeft++;
            if (forced[depth]) continue;
            scanningGroups = false;
            pos = next[c];
          } else {
            int g = -1 - c;
            taken[g]--;
            h1 ^= gz1[g][taken[g]];
            h2 ^= gz2[g][taken[g]];
            scanningGroups = true;
            group = g + 1;
            ret = returnAt[depth];
          }
          break;
        }
      }
    }

    /**
     * The operations around a dead end: pending before it, the one that could not return, the last
     * placed.
     */
    private void remember(int ret, long state, int[] choice, int depth) {
      stuckTime = time[ret];
      stuckState = state;
      stuckOp = ret == next.length - 1 ? null : known[eventAt[ret] >> 1];
      List<Operation> pending = new ArrayList<>();
      for (int i = next[0]; i != ret; i = next[i]) pending.add(known[eventAt[i] >> 1]);
      for (int g = 0; g < groups.length; g++) {
        if (taken[g] < groups[g].length && groups[g][taken[g]].invoke() <= time[ret])
          pending.add(groups[g][taken[g]]);
      }
      stuckPending = pending;
      List<Operation> placed = new ArrayList<>();
      int[] taking = taken.clone();
      for (int d = depth - 1; d >= 0 && placed.size() < 8; d--) {
        int c = choice[d];
        if (c >= 0) {
          placed.add(0, known[eventAt[c] >> 1]);
        } else {
          int g = -1 - c;
          placed.add(0, groups[g][--taking[g]]);
        }
      }
      stuckBefore = placed;
    }

    private CheckResult result(CheckResult.Verdict verdict) {
      long elapsed = (System.nanoTime() - started) / 1_000_000;
      if (verdict != CheckResult.Verdict.NOT_LINEARIZABLE) {
        return new CheckResult(
            verdict,
            model.name(),
            total,
            unknownCount,
            elapsed,
            origin,
            null,
            List.of(),
            List.of(),
            0);
      }
      List<Operation> window = new ArrayList<>(stuckPending);
      if (stuckOp != null) window.add(stuckOp);
      return new CheckResult(
          verdict,
          model.name(),
          total,
          unknownCount,
          elapsed,
          origin,
          stuckOp,
          window,
          stuckBefore,
          stuckState);
    }
  }

  /**
   * A set of 128-bit configuration keys (linearized set hash pair mixed with the state), open
   * addressing with linear probing; cleared when it reaches its bound.
   */
  private static final class Memo {
    private long[] a = new long[2 << 16];
    private int size;

    /** Adds the key; false if it was there. */
    boolean add(long h1, long h2, long state) {
      long k1 = h1 ^ mix(state);
      long k2 = h2 ^ mix(state ^ 0x5bd1e9955bd1e995L);
      if (k1 == 0 && k2 == 0) k2 = 1; // (0, 0) marks an empty slot
      if (size * 2 >= a.length / 2) grow();
      int mask = a.length / 2 - 1;
      int i = (int) (k1 ^ (k1 >>> 32)) & mask;
      while (true) {
        long x1 = a[2 * i];
        long x2 = a[2 * i + 1];
        if (x1 == 0 && x2 == 0) {
          a[2 * i] = k1;
          a[2 * i + 1] = k2;
          size++;
          return true;
        }
        if (x1 == k1 && x2 == k2) return false;
        i = (i + 1) & mask;
      }
    }

    private void grow() {
      if (size >= MEMO_MAX_ENTRIES) {
        Arrays.fill(a, 0);
        size = 0;
        return;
      }
      long[] old = a;
      a = new long[old.length * 2];
      size = 0;
      int mask = a.length / 2 - 1;
      for (int j = 0; j < old.length; j += 2) {
        long k1 = old[j];
        long k2 = old[j + 1];
        if (k1 == 0 && k2 == 0) continue;
        int i = (int) (k1 ^ (k1 >>> 32)) & mask;
        while (a[2 * i] != 0 || a[2 * i + 1] != 0) i = (i + 1) & mask;
        a[2 * i] = k1;
        a[2 * i + 1] = k2;
        size++;
      }
    }

    private static long mix(long z) {
      z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
      z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
      return z ^ (z >>> 33);
    }
  }
}
