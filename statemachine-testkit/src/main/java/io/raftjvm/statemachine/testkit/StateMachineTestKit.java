package io.raftjvm.statemachine.testkit;

import io.raftjvm.statemachine.CommittedEntry;
import io.raftjvm.statemachine.StateMachine;
import io.raftjvm.statemachine.StateMachineContext;
import io.raftjvm.statemachine.StateMachineProvider;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Checks a state machine the way the cluster will use it, from a plugin's own tests. Failures are
 * {@link AssertionError}s with a one-line reason, so any test framework reports them.
 *
 * <ul>
 *   <li>{@link #apply}: feed commands as committed entries (indexes increasing, with gaps, as the
 *       server passes them) and get the results;
 *   <li>{@link #assertSnapshotRoundTrip}: a snapshot restored into a fresh instance gives the same
 *       state: the same snapshot bytes, {@code lastApplied} and query answers;
 *   <li>{@link #assertReplicasConvergeInACluster}: the state machine on three simulated servers
 *       with faults ends the same on all of them;
 *   <li>{@link #assertDeterministic}: replicas that apply the same log, in differently sized
 *       batches, with snapshots taken and restored along the way, return the same results, write
 *       byte-identical snapshots and answer queries alike. Clocks, random numbers, hash orders of
 *       objects without stable hash codes, or state left out of snapshots make it fail.
 * </ul>
 *
 * <pre>{@code
 * StateMachineTestKit kit = StateMachineTestKit.of(new KvProvider());
 * kit.assertDeterministic(commands, queries, 42);
 * }</pre>
 */
public final class StateMachineTestKit {
  private final Supplier<StateMachine> factory;

  private StateMachineTestKit(Supplier<StateMachine> factory) {
    this.factory = factory;
  }

  /** Instances come from provider, each with an empty data directory of its own. */
  public static StateMachineTestKit of(StateMachineProvider provider) {
    return of(provider, Map.of());
  }

  /** As {@link #of(StateMachineProvider)}, with the provider's settings. */
  public static StateMachineTestKit of(StateMachineProvider provider, Map<String, String> config) {
    long[] nodeId = {0};
    return new StateMachineTestKit(
        () -> {
          try {
            Path dir = Files.createTempDirectory("statemachine-testkit-");
            dir.toFile().deleteOnExit();
            return provider.create(
                new StateMachineContext(
                    ++nodeId[0], dir, config, System.getLogger("statemachine." + provider.name())));
          } catch (Exception e) {
            throw new AssertionError("the provider could not create a state machine: " + e, e);
          }
        });
  }

  /** Instances come from factory (each call a fresh, empty state machine). */
  public static StateMachineTestKit of(Supplier<StateMachine> factory) {
    return new StateMachineTestKit(factory);
  }

  /** A fresh, empty instance. */
  public StateMachine newInstance() {
    StateMachine sm = factory.get();
    if (sm.lastApplied() != 0) {
      throw new AssertionError(
          "a new state machine has lastApplied " + sm.lastApplied() + ", not 0");
    }
    return sm;
  }

  /**
   * Applies commands in one batch as committed entries following sm's last applied index (one
   * apart, term 1), and returns the results, one per command.
   */
  public List<byte[]> apply(StateMachine sm, List<byte[]> commands) {
    List<CommittedEntry> entries = new ArrayList<>(commands.size());
    long index = sm.lastApplied();
    for (byte[] c : commands) entries.add(new CommittedEntry(++index, 1, c.clone()));
    return applyEntries(sm, entries);
  }

  /** Applies commands to a fresh instance and checks each result against expected. */
  public void assertApplies(List<byte[]> commands, List<byte[]> expected) {
    try (StateMachine sm = newInstance()) {
      List<byte[]> results = apply(sm, commands);
      for (int i = 0; i < expected.size(); i++) {
        if (!Arrays.equals(expected.get(i), results.get(i))) {
          throw new AssertionError(
              "command "
                  + (i + 1)
                  + " returned "
                  + show(results.get(i))
                  + ", expected "
                  + show(expected.get(i)));
        }
      }
    }
  }

  /**
   * Applies commands to a fresh instance, snapshots it, restores the snapshot into another fresh
   * instance, and checks that both have the same lastApplied, answer queries alike and write the
   * same snapshot bytes.
   */
  public void assertSnapshotRoundTrip(List<byte[]> commands, List<byte[]> queries) {
    try (StateMachine a = newInstance();
        StateMachine b = newInstance()) {
      apply(a, commands);
      byte[] snap = snapshot(a);
      restore(b, snap);
      compare("the restored instance", a, b, queries);
      if (!Arrays.equals(snap, snapshot(b))) {
        throw new AssertionError(
            "a snapshot of the restored instance differs from the snapshot it was restored from");
      }
    }
  }

  /**
   * Plays the same log into replicas as the cluster would, and checks that they never diverge.
   * Replicas A and B apply every command in batches of seeded random sizes (different for each),
   * with gaps in the indexes; at seeded random points both write snapshots, which must be
   * byte-identical, and a third replica is restored from A's snapshot and goes on from there. Every
   * result must be the same on every replica; at the end all three must answer every query alike
   * and write identical snapshots.
   *
   * @param seed makes the batches and snapshot points repeatable; failures name it
   */
  public void assertDeterministic(List<byte[]> commands, List<byte[]> queries, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<CommittedEntry> log = new ArrayList<>(commands.size());
    long index = 0;
    for (byte[] c : commands) {
      index += 1 + (random.nextInt(4) == 0 ? random.nextInt(3) : 0); // gaps: non-command entries
      log.add(new CommittedEntry(index, 1 + index / 50, c.clone()));
    }
    try (StateMachine a = newInstance();
        StateMachine b = newInstance();
        StateMachine c = newInstance()) {
      Replay ra = new Replay(a, random.split());
      Replay rb = new Replay(b, random.split());
      Replay rc = null;
      while (ra.next < log.size() || rb.next < log.size()) {
        List<byte[]> outA = ra.step(log);
        rb.catchUpTo(ra.next, log);
        checkResults(log, ra.next - outA.size(), outA, rb.results, "replicas A and B", seed);
        if (rc != null) {
          rc.catchUpTo(ra.next, log);
          checkResults(log, ra.next - outA.size(), outA, rc.results, "replicas A and C", seed);
        }
        if (random.nextInt(5) == 0) {
          byte[] sa = snapshot(a);
          byte[] sb = snapshot(b);
          if (!Arrays.equals(sa, sb)) {
            throw new AssertionError(
                "replicas A and B wrote different snapshots after index "
                    + a.lastApplied()
                    + " (seed "
                    + seed
                    + "): "
                    + firstDifference(sa, sb));
          }
          if (rc == null) {
            restore(c, sa);
            rc = new Replay(c, random.split());
            rc.next = ra.next;
          }
        }
      }
      compare("replica B (seed " + seed + ")", a, b, queries);
      if (rc != null)
        compare("replica C, restored from a snapshot (seed " + seed + ")", a, c, queries);
      byte[] sa = snapshot(a);
      if (!Arrays.equals(sa, snapshot(b))) {
        throw new AssertionError(
            "replicas A and B wrote different final snapshots (seed " + seed + ")");
      }
      if (rc != null && !Arrays.equals(sa, snapshot(c))) {
        throw new AssertionError(
            "replica C, restored from a snapshot, wrote a different final snapshot (seed "
                + seed
                + "): state left out of the snapshot?");
      }
    }
  }

  /**
   * Runs the state machine inside a simulated three-server Raft cluster (the server's own runtime
   * on a seeded scheduler with virtual time): commands go through the leader one by one while
   * messages are lost, servers are cut off for a while, crash and restart from their snapshots and
   * logs, and servers that fell behind receive snapshots. At the end every replica must write the
   * same snapshot and answer every query alike. The same seed gives the same run; failures name it.
   */
  public void assertReplicasConvergeInACluster(
      List<byte[]> commands, List<byte[]> queries, long seed) {
    new ClusterRun(this::newInstance, seed).run(commands, queries);
  }

  /** One replica going through the log in batches of its own sizes. */
  private static final class Replay {
    final StateMachine sm;
    final SplittableRandom random;
    int next;
    List<byte[]> results = List.of();

    Replay(StateMachine sm, SplittableRandom random) {
      this.sm = sm;
      this.random = random;
    }

    /** Applies the next batch (1-8 entries); returns its results. */
    List<byte[]> step(List<CommittedEntry> log) {
      int n = Math.min(1 + random.nextInt(8), log.size() - next);
      results = applyEntries(sm, log.subList(next, next + n));
      next += n;
      return results;
    }

    /** Applies up to (not including) entry `to`, in batches; keeps the last `to - from` results. */
    void catchUpTo(int to, List<CommittedEntry> log) {
      List<byte[]> all = new ArrayList<>();
      while (next < to) {
        int n = Math.min(1 + random.nextInt(8), to - next);
        all.addAll(applyEntries(sm, log.subList(next, next + n)));
        next += n;
      }
      results = all;
    }
  }

  private static void checkResults(
      List<CommittedEntry> log,
      int from,
      List<byte[]> expected,
      List<byte[]> other,
      String who,
      long seed) {
    // other holds the results of the same entries or more (it may have caught up in one go).
    int offset = other.size() - expected.size();
    for (int i = 0; i < expected.size(); i++) {
      byte[] x = expected.get(i);
      byte[] y = other.get(offset + i);
      if (!Arrays.equals(x, y)) {
        throw new AssertionError(
            who
                + " returned different results for the entry at index "
                + log.get(from + i).index()
                + " (seed "
                + seed
                + "): "
                + show(x)
                + " vs "
                + show(y)
                + ": apply must depend only on the entries and the state");
      }
    }
  }

  private static List<byte[]> applyEntries(StateMachine sm, List<CommittedEntry> entries) {
    List<byte[]> results = sm.apply(entries);
    if (results == null || results.size() != entries.size()) {
      throw new AssertionError(
          "apply returned "
              + (results == null ? "null" : results.size() + " results")
              + " for "
              + entries.size()
              + " entries: one result per entry is required");
    }
    long last = entries.get(entries.size() - 1).index();
    if (sm.lastApplied() != last) {
      throw new AssertionError(
          "after applying up to index " + last + ", lastApplied() is " + sm.lastApplied());
    }
    return results;
  }

  private static void compare(String who, StateMachine a, StateMachine b, List<byte[]> queries) {
    if (a.lastApplied() != b.lastApplied()) {
      throw new AssertionError(
          who + " has lastApplied " + b.lastApplied() + ", the original " + a.lastApplied());
    }
    for (byte[] q : queries) {
      byte[] x = a.query(q);
      byte[] y = b.query(q);
      if (!Arrays.equals(x, y)) {
        throw new AssertionError(
            who + " answers query " + show(q) + " with " + show(y) + ", the original " + show(x));
      }
    }
  }

  /** The snapshot as the server takes it: a point-in-time image when there is one. */
  static byte[] snapshot(StateMachine sm) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      io.raftjvm.statemachine.StateSnapshot image = sm.takeSnapshot();
      if (image == null) {
        sm.snapshot(out);
      } else {
        try (image) {
          image.writeTo(out);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("snapshot failed", e);
    }
    return out.toByteArray();
  }

  private static void restore(StateMachine sm, byte[] snapshot) {
    try {
      sm.restore(new ByteArrayInputStream(snapshot));
    } catch (IOException e) {
      throw new AssertionError("restore of a snapshot just taken failed: " + e, e);
    }
  }

  private static String firstDifference(byte[] a, byte[] b) {
    int n = Math.min(a.length, b.length);
    for (int i = 0; i < n; i++) {
      if (a[i] != b[i]) return "first difference at byte " + i + " of " + a.length + "/" + b.length;
    }
    return "lengths " + a.length + " and " + b.length;
  }

  /** Bytes as text when printable, else hex; long values cut. */
  static String show(byte[] b) {
    if (b == null) return "null";
    boolean printable = true;
    for (byte x : b) printable &= x >= 0x20 && x < 0x7f;
    StringBuilder sb = new StringBuilder();
    int n = Math.min(b.length, 64);
    if (printable) {
      sb.append('"').append(new String(b, 0, n, java.nio.charset.StandardCharsets.US_ASCII));
      if (n < b.length) sb.append("...");
      return sb.append('"').toString();
    }
    sb.append("0x");
    for (int i = 0; i < n; i++) sb.append(String.format("%02x", b[i]));
    return n < b.length ? sb.append("...").toString() : sb.toString();
  }
}
