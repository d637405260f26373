package io.raftjvm.counter.tools;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The benchmark's end check, as a pure function of what was counted and what was read back.
 *
 * <p>Every add the cluster acknowledged is applied exactly once, a refused or failed add ("fail")
 * not at all, and an add whose outcome is unknown ("timeout": no answer in time, connection lost,
 * leadership lost) zero times or once. So with a starting value {@code start}, the sum of the
 * acknowledged deltas {@code acked} and the sum of the deltas of unknown outcome {@code unknown}
 * (all deltas positive: the benchmark adds 1), a correct cluster ends, once every replica has
 * applied everything, with the same value V on every replica and {@code start + acked <= V <= start
 * + acked + unknown}. With no unknown outcome the range is the single value {@code start + acked}.
 * It assumes nobody else writes to the counter during the run.
 */
public final class Verification {
  /** One replica's own value (a local read), or why it could not be read. */
  public record Reading(String address, Long value, String error) {
    public static Reading of(String address, long value) {
      return new Reading(address, value, null);
    }

    public static Reading failed(String address, String error) {
      return new Reading(address, null, error);
    }
  }

  private final long start;
  private final long ackedDelta;
  private final long unknownDelta;
  private final Long leader;
  private final List<Reading> replicas;
  private final boolean settled;
  private final List<String> problems;

  private Verification(
      long start,
      long ackedDelta,
      long unknownDelta,
      Long leader,
      List<Reading> replicas,
      boolean settled,
      List<String> problems) {
    this.start = start;
    this.ackedDelta = ackedDelta;
    this.unknownDelta = unknownDelta;
    this.leader = leader;
    this.replicas = List.copyOf(replicas);
    this.settled = settled;
    this.problems = List.copyOf(problems);
  }

  /**
   * Checks the readings.
   *
   * @param start the counter's value read before the run
   * @param ackedDelta sum of the deltas of acknowledged adds
   * @param unknownDelta sum of the deltas of adds whose outcome is unknown (>= 0)
   * @param leader the value the leader answered at the end, or null when it could not be read
   * @param replicas every replica's own value at the end
   * @param settled whether the values stopped changing (and matched) before the wait ended
   */
  public static Verification check(
      long start,
      long ackedDelta,
      long unknownDelta,
      Long leader,
      List<Reading> replicas,
      boolean settled) {
    if (ackedDelta < 0 || unknownDelta < 0) {
      throw new IllegalArgumentException(
          "deltas must be >= 0: acked " + ackedDelta + ", unknown " + unknownDelta);
    }
    long min = start + ackedDelta;
    long max = min + unknownDelta;
    List<String> problems = new ArrayList<>();
    if (replicas.isEmpty()) {
      problems.add("no replica was read");
    }
    if (leader == null) {
      problems.add("the leader's value could not be read");
    } else if (leader < min || leader > max) {
      problems.add("the leader has " + leader + ", expected " + range(min, max));
    }
    Long common = null;
    boolean disagree = false;
    int reached = 0;
    for (Reading r : replicas) {
      if (r.value() == null) {
        continue; // not reached: reported, not held against the cluster (a stopped server)
      }
      reached++;
      long v = r.value();
      if (v < min || v > max) {
        problems.add(r.address() + " has " + v + ", expected " + range(min, max));
      } else if (leader != null && v != leader) {
        problems.add(r.address() + " has " + v + ", the leader " + leader);
      }
      if (common == null) {
        common = v;
      } else if (common != v) {
        disagree = true;
      }
    }
    if (!replicas.isEmpty() && reached == 0) {
      problems.add("no replica could be read");
    }
    if (disagree) {
      problems.add("the replicas disagree");
    }
    if (!settled && problems.isEmpty()) {
      problems.add("the values were still changing when the wait ended");
    }
    return new Verification(start, ackedDelta, unknownDelta, leader, replicas, settled, problems);
  }

  private static String range(long min, long max) {
    return min == max ? String.valueOf(min) : min + ".." + max;
  }

  public boolean passed() {
    return problems.isEmpty();
  }

  public long expectedMin() {
    return start + ackedDelta;
  }

  public long expectedMax() {
    return start + ackedDelta + unknownDelta;
  }

  public List<String> problems() {
    return problems;
  }

  public List<Reading> replicas() {
    return replicas;
  }

  /** Replicas that could not be read before the wait ended (stopped, unreachable): not checked. */
  public List<Reading> unreached() {
    return replicas.stream().filter(r -> r.value() == null).toList();
  }

  /** The JSON object of the summary's "verification" key. */
  Map<String, Object> toJsonMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("passed", passed());
    m.put("start", start);
    m.put("ackedDelta", ackedDelta);
    m.put("unknownDelta", unknownDelta);
    m.put("expectedMin", expectedMin());
    m.put("expectedMax", expectedMax());
    m.put("leader", leader);
    Map<String, Object> values = new LinkedHashMap<>();
    for (Reading r : replicas) {
      values.put(r.address(), r.value());
    }
    m.put("replicas", values);
    Map<String, Object> unreached = new LinkedHashMap<>();
    for (Reading r : unreached()) {
      unreached.put(r.address(), r.error());
    }
    m.put("unreached", unreached);
    m.put("settled", settled);
    m.put("problems", problems);
    return m;
  }

  /** One line, "verification: PASSED: ..." or "verification: FAILED: ...". */
  String toText() {
    StringBuilder sb = new StringBuilder("verification: ");
    String expected =
        "start "
            + start
            + " + acked adds "
            + ackedDelta
            + (unknownDelta > 0 ? " (+ up to " + unknownDelta + " of unknown outcome)" : "");
    List<Reading> unreached = unreached();
    if (passed()) {
      Long v =
          replicas.stream().map(Reading::value).filter(Objects::nonNull).findFirst().orElse(null);
      sb.append("PASSED: every replica ")
          .append(
              unreached.isEmpty()
                  ? "(" + replicas.size() + ")"
                  : "reached ("
                      + (replicas.size() - unreached.size())
                      + " of "
                      + replicas.size()
                      + ")")
          .append(" = ")
          .append(v)
          .append(", expected ")
          .append(range(expectedMin(), expectedMax()))
          .append(" = ")
          .append(expected);
      for (Reading r : unreached) {
        sb.append("; not reached, so not checked: ")
            .append(r.address())
            .append(" (")
            .append(r.error())
            .append(')');
      }
    } else {
      sb.append("FAILED: ")
          .append(String.join("; ", problems))
          .append(" [expected ")
          .append(range(expectedMin(), expectedMax()))
          .append(" = ")
          .append(expected)
          .append("; leader ")
          .append(leader)
          .append("; replicas");
      for (Reading r : replicas) {
        sb.append(' ')
            .append(r.address())
            .append('=')
            .append(r.value() != null ? String.valueOf(r.value()) : "?");
      }
      sb.append(']');
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return toText();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Verification v
        && v.start == start
        && v.ackedDelta == ackedDelta
        && v.unknownDelta == unknownDelta
        && Objects.equals(v.leader, leader)
        && v.replicas.equals(replicas)
        && v.settled == settled
        && v.problems.equals(problems);
  }

  @Override
  public int hashCode() {
    return Objects.hash(start, ackedDelta, unknownDelta, leader, replicas, settled, problems);
  }
}
