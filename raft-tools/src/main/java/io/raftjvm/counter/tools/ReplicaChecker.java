package io.raftjvm.counter.tools;

import io.raftjvm.counter.tools.Verification.Reading;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * Waits until every replica has applied everything: polls the leader's value and each replica's own
 * value (local reads) until, in two consecutive rounds, every replica equals the leader and the
 * leader's value did not change; or until the timeout. A replica that cannot be read (a stopped
 * server) is polled until the timeout too, so that one coming back is checked; if it never answers,
 * the others count as settled once they are. Blocking; runs on the benchmark's main thread.
 */
final class ReplicaChecker {
  /** Reads one replica's own value. */
  interface Reader {
    String address();

    long value() throws Exception;
  }

  /** The last round's values, and whether they settled. */
  record Observation(Long leader, String leaderError, List<Reading> replicas, boolean settled) {}

  private ReplicaChecker() {}

  static Observation await(
      Callable<Long> leaderValue,
      List<? extends Reader> replicas,
      Duration timeout,
      Duration interval)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Long previous = null;
    while (true) {
      Long leader = null;
      String leaderError = null;
      try {
        leader = leaderValue.call();
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        leaderError = String.valueOf(Outcomes.unwrap(e).getMessage());
      }
      List<Reading> readings = new ArrayList<>(replicas.size());
      boolean allMatch = leader != null;
      boolean allRead = true;
      for (Reader r : replicas) {
        try {
          long v = r.value();
          readings.add(Reading.of(r.address(), v));
          allMatch &= leader != null && v == leader;
        } catch (InterruptedException e) {
          throw e;
        } catch (Exception e) {
          readings.add(Reading.failed(r.address(), String.valueOf(e.getMessage())));
          allRead = false;
        }
      }
      boolean settled = allMatch && Objects.equals(previous, leader);
      if (settled && allRead) {
        return new Observation(leader, null, readings, true);
      }
      previous = allMatch ? leader : null;
      if (System.nanoTime() - deadline >= 0) {
        return new Observation(leader, leaderError, readings, settled);
      }
      Thread.sleep(Math.max(1, interval.toMillis())); // polling interval, not synchronisation
    }
  }
}
