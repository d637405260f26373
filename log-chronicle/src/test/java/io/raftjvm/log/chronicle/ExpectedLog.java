package io.raftjvm.log.chronicle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.raftjvm.proto.Entry;
import io.raftjvm.proto.HardState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * What a log must hold, built from the {@link CrashChild} protocol (or from writes made
 * in-process), and the check of a reopened {@link ChronicleLogStore} against it.
 *
 * <p>A confirmed write ({@code P} line) must survive exactly. The one write announced but not
 * confirmed when the child was killed may have reached the queue in part: since SIGKILL keeps the
 * page cache and the store writes one excerpt per entry in order, the reopened log must equal the
 * confirmed log with the first k of the announced entries applied, for some k in [0, n] (an
 * overwrite that got k &gt; 0 entries in truncates the log there, so it may legitimately be
 * shorter). An announced hard state is either fully there or not at all. Anything else (a lost
 * confirmed entry, a resurrected superseded one, a torn entry returned as data) fails.
 *
 * <p>Not thread-safe: the child's reader thread fills it, the test thread reads it after joining
 * that thread.
 */
final class ExpectedLog {
  /** One entry as the test knows it: its term, type, data length and CRC32 of the data. */
  record Rec(long term, int type, int len, long crc) {
    static Rec of(Entry e) {
      CRC32 c = new CRC32();
      c.update(e.getData().asReadOnlyByteBuffer());
      return new Rec(e.getTerm(), e.getTypeValue(), e.getData().size(), c.getValue());
    }

    static Rec parse(String token, long expectedIndex) {
      String[] f = token.split(":");
      if (f.length != 5 || Long.parseLong(f[0]) != expectedIndex) {
        throw new IllegalArgumentException(
            "bad entry token '" + token + "' (expected index " + expectedIndex + ")");
      }
      return new Rec(
          Long.parseLong(f[1]),
          Integer.parseInt(f[2]),
          Integer.parseInt(f[3]),
          Long.parseLong(f[4]));
    }
  }

  /** Entries announced in one {@code W} line. */
  record Batch(long from, List<Rec> recs) {}

  /** The log as last confirmed durable: Raft index to entry, for (base, lastIndex()]. */
  private final TreeMap<Long, Rec> log = new TreeMap<>();

  /** Index and term the log starts after (compaction). */
  private long base;

  private long baseTerm;

  /** Every entry that a durable overwrite replaced, per index: none may ever be read again. */
  private final Map<Long, Set<Rec>> superseded = new HashMap<>();

  private HardState hardState = HardState.getDefaultInstance();

  /** Announced, not yet confirmed; null when none. */
  private Batch pendingBatch;

  private HardState pendingHardState;

  /** Outcomes of {@link #verifyRecovered}, for the summary. */
  int cleanKills;

  int pendingNoneWritten;
  int pendingPartlyWritten;
  int pendingAllWritten;
  int pendingOverwrites;

  long lastIndex() {
    return log.isEmpty() ? base : log.lastKey();
  }

  long lastTerm() {
    return log.isEmpty() ? baseTerm : log.lastEntry().getValue().term();
  }

  HardState hardState() {
    return hardState;
  }

  Batch pendingBatch() {
    return pendingBatch;
  }

  // ------------------------------------------------------------------ protocol (reader thread)

  /** Applies one line of the child's stdout. */
  void onLine(String line) {
    String[] f = line.split(" ");
    switch (f[0]) {
      case "O", "B", "T", "E" -> {}
      case "S" -> {
        long first = Long.parseLong(f[1]);
        long last = Long.parseLong(f[2]);
        long lastTerm = Long.parseLong(f[3]);
        HardState hs =
            HardState.newBuilder()
                .setTerm(Long.parseLong(f[4]))
                .setVote(Long.parseLong(f[5]))
                .setCommit(Long.parseLong(f[6]))
                .build();
        if (first != base + 1
            || last != lastIndex()
            || lastTerm != lastTerm()
            || !hs.equals(hardState)) {
          throw new IllegalStateException(
              "child opened [first "
                  + first
                  + ", last "
                  + last
                  + ", last term "
                  + lastTerm
                  + ", hard state "
                  + str(hs)
                  + "], expected ["
                  + (base + 1)
                  + ", "
                  + lastIndex()
                  + ", "
                  + lastTerm()
                  + ", "
                  + str(hardState)
                  + "]");
        }
      }
      case "H" -> {
        requireNoPending(line);
        pendingHardState =
            HardState.newBuilder()
                .setTerm(Long.parseLong(f[1]))
                .setVote(Long.parseLong(f[2]))
                .setCommit(Long.parseLong(f[3]))
                .build();
      }
      case "W" -> {
        if (pendingBatch != null) throw new IllegalStateException("two W lines without P: " + line);
        long from = Long.parseLong(f[1]);
        List<Rec> recs = new ArrayList<>(f.length - 2);
        for (int k = 2; k < f.length; k++) recs.add(Rec.parse(f[k], from + k - 2));
        pendingBatch = new Batch(from, recs);
      }
      case "P" -> {
        if (pendingBatch != null) apply(pendingBatch.from(), pendingBatch.recs());
        if (pendingHardState != null) hardState = pendingHardState;
        pendingBatch = null;
        pendingHardState = null;
        long last = Long.parseLong(f[1]);
        if (last != lastIndex())
          throw new IllegalStateException(
              "child reports last index " + last + ", expected " + lastIndex());
      }
      default -> throw new IllegalStateException("unexpected line from child: " + line);
    }
  }

  private void requireNoPending(String line) {
    if (pendingBatch != null || pendingHardState != null)
      throw new IllegalStateException("unconfirmed write before " + line);
  }

  // ------------------------------------------------------------------ in-process writes

  /**
   * Records a durable append of entries starting at from (an overwrite when from <= lastIndex()).
   */
  void apply(long from, List<Rec> recs) {
    if (from > lastIndex() + 1 || from <= base)
      throw new IllegalArgumentException("append at " + from + " after " + lastIndex());
    for (Map.Entry<Long, Rec> e : new ArrayList<>(log.tailMap(from, true).entrySet())) {
      superseded.computeIfAbsent(e.getKey(), k -> new HashSet<>()).add(e.getValue());
      log.remove(e.getKey());
    }
    for (int k = 0; k < recs.size(); k++) log.put(from + k, recs.get(k));
  }

  void applyEntries(List<Entry> entries) {
    List<Rec> recs = new ArrayList<>(entries.size());
    for (Entry e : entries) recs.add(Rec.of(e));
    apply(entries.get(0).getIndex(), recs);
  }

  /** Records compaction up to upTo (which must be in the log). */
  void compact(long upTo) {
    baseTerm = log.get(upTo).term();
    log.headMap(upTo, true).clear();
    base = upTo;
  }

  void setHardState(HardState hs) {
    hardState = hs;
  }

  // ------------------------------------------------------------------ checks

  /**
   * Checks a store reopened after a crash against the confirmed state plus any prefix of the
   * pending write, then adopts what was found as the new confirmed state.
   *
   * @return how much of the pending write was found, for the log line
   */
  String verifyRecovered(ChronicleLogStore store) {
    NavigableMap<Long, Rec> actual = readAll(store);
    HardState hs = store.initialState().hardState();
    if (!hs.equals(hardState) && !hs.equals(pendingHardState)) {
      fail(
          "hard state after crash is "
              + str(hs)
              + "; confirmed "
              + str(hardState)
              + ", announced "
              + (pendingHardState == null ? "none" : str(pendingHardState)));
    }
    hardState = hs;
    pendingHardState = null;
    Batch b = pendingBatch;
    pendingBatch = null;
    if (b == null) {
      cleanKills++;
      checkEquals(actual, "no write was in progress");
      return "no write in progress";
    }
    if (b.from() <= lastIndex()) pendingOverwrites++;
    String what =
        (b.from() <= lastIndex() ? "overwrite" : "append")
            + " at "
            + b.from()
            + " of "
            + b.recs().size();
    // k = number of announced entries that made it: 0 unless the entry at b.from() is the announced
    // one.
    int k = 0;
    if (b.recs().get(0).equals(actual.get(b.from()))) {
      k = (int) (actual.lastKey() - b.from() + 1);
      if (k > b.recs().size()) {
        fail(
            what
                + ": log ends at "
                + actual.lastKey()
                + ", past the last announced entry "
                + (b.from() + b.recs().size() - 1));
      }
      apply(b.from(), b.recs().subList(0, k));
    }
    checkEquals(actual, what + ", of which " + k + " entries were found");
    if (k == 0) pendingNoneWritten++;
    else if (k < b.recs().size()) pendingPartlyWritten++;
    else pendingAllWritten++;
    return what + " unconfirmed: " + k + " found";
  }

  /** Checks that the store holds exactly the expected log and hard state. */
  void verifyExact(ChronicleLogStore store, String context) {
    HardState hs = store.initialState().hardState();
    if (!hs.equals(hardState))
      fail(context + ": hard state " + str(hs) + ", expected " + str(hardState));
    checkEquals(readAll(store), context);
  }

  /**
   * Every entry of the store, read in one range and checked against term(i); checks where the log
   * starts.
   */
  private NavigableMap<Long, Rec> readAll(ChronicleLogStore store) {
    assertEquals(base + 1, store.firstIndex(), "first index");
    assertEquals(baseTerm, store.term(base), "term of the index the log starts after");
    long first = store.firstIndex();
    long last = store.lastIndex();
    List<Entry> entries = first > last ? List.of() : store.entries(first, last + 1, Long.MAX_VALUE);
    assertEquals(
        last - first + 1,
        entries.size(),
        "entries(firstIndex, lastIndex + 1) must return the whole log");
    TreeMap<Long, Rec> out = new TreeMap<>();
    for (int k = 0; k < entries.size(); k++) {
      Entry e = entries.get(k);
      assertEquals(first + k, e.getIndex(), "index of the entry read at position " + k);
      assertEquals(
          e.getTerm(),
          store.term(e.getIndex()),
          "term(" + e.getIndex() + ") disagrees with the entry");
      out.put(e.getIndex(), Rec.of(e));
    }
    return out;
  }

  private void checkEquals(NavigableMap<Long, Rec> actual, String context) {
    long expectedLast = lastIndex();
    long actualLast = actual.isEmpty() ? base : actual.lastKey();
    for (Map.Entry<Long, Rec> en : actual.entrySet()) {
      long i = en.getKey();
      Rec got = en.getValue();
      Rec want = log.get(i);
      if (Objects.equals(got, want)) continue;
      if (superseded.getOrDefault(i, Set.of()).contains(got)) {
        fail(
            context
                + ": entry "
                + i
                + " "
                + got
                + " was superseded by a durable overwrite, yet it came back (expected "
                + (want == null ? "no entry: log ends at " + expectedLast : want.toString())
                + ")");
      }
      if (want == null)
        fail(
            context
                + ": log ends at "
                + actualLast
                + ", expected "
                + expectedLast
                + "; entry "
                + i
                + " is "
                + got);
      fail(context + ": entry " + i + " is " + got + ", expected " + want);
    }
    if (actualLast != expectedLast) {
      fail(
          context
              + ": log ends at "
              + actualLast
              + ", expected "
              + expectedLast
              + " (durable entries lost)");
    }
  }

  static String str(HardState hs) {
    return "(term " + hs.getTerm() + ", vote " + hs.getVote() + ", commit " + hs.getCommit() + ")";
  }
}
