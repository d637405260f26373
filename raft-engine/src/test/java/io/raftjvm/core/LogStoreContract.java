package io.raftjvm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftjvm.proto.ConfState;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Snapshot;
import io.raftjvm.proto.SnapshotMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link LogStore} must have, run against each implementation by a subclass:
 * append, overwrite a suffix (§5.3), range reads with a byte cap, term lookups, compaction,
 * snapshot install, and all of it surviving a reopen.
 */
public abstract class LogStoreContract {
  protected LogStore store;

  /** Opens the store under test, empty, for a cluster whose voters are 1, 2, 3. */
  protected abstract LogStore openFresh();

  /** Closes store and opens it again from what it made durable. */
  protected abstract LogStore reopen(LogStore store);

  @BeforeEach
  void setUp() {
    store = openFresh();
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  protected static Entry entry(long index, long term, String data) {
    return Entry.newBuilder()
        .setIndex(index)
        .setTerm(term)
        .setType(EntryType.ENTRY_NORMAL)
        .setData(ByteString.copyFromUtf8(data))
        .build();
  }

  /** Entries lo..hi (inclusive) at term, data "e<index>t<term>". */
  protected static List<Entry> entries(long lo, long hi, long term) {
    List<Entry> out = new ArrayList<>();
    for (long i = lo; i <= hi; i++) out.add(entry(i, term, "e" + i + "t" + term));
    return out;
  }

  private void write(List<Entry> ents) {
    store.append(ents);
    store.sync();
  }

  private void reopen() {
    store = reopen(store);
  }

  @Test
  void emptyLogStartsAtIndexOne() {
    assertEquals(1, store.firstIndex());
    assertEquals(0, store.lastIndex());
    assertEquals(0, store.term(0));
    assertThrows(LogUnavailableException.class, () -> store.term(1));
    assertEquals(List.of(), store.entries(1, 1, Long.MAX_VALUE));
    assertEquals(HardState.getDefaultInstance(), store.initialState().hardState());
    assertEquals(List.of(1L, 2L, 3L), store.initialState().confState().getVotersList());
  }

  @Test
  void appendedEntriesReadBackWithTerms() {
    write(entries(1, 5, 1));
    write(entries(6, 9, 2));
    assertEquals(1, store.firstIndex());
    assertEquals(9, store.lastIndex());
    assertEquals(1, store.term(5));
    assertEquals(2, store.term(6));
    List<Entry> expected = new ArrayList<>(entries(1, 5, 1));
    expected.addAll(entries(6, 9, 2));
    assertEquals(expected, store.entries(1, 10, Long.MAX_VALUE));
    assertEquals(expected.subList(2, 7), store.entries(3, 8, Long.MAX_VALUE));
    reopen();
    assertEquals(9, store.lastIndex());
    assertEquals(expected, store.entries(1, 10, Long.MAX_VALUE));
  }

  /** §5.3: a conflicting suffix is replaced, and the replaced entries never come back. */
  @Test
  void overwritingASuffixDropsEverythingAfterIt() {
    write(entries(1, 10, 1));
    write(entries(6, 7, 2));
    assertEquals(7, store.lastIndex());
    assertEquals(2, store.term(6));
    assertEquals(entry(7, 2, "e7t2"), store.entries(7, 8, Long.MAX_VALUE).get(0));
    assertThrows(LogUnavailableException.class, () -> store.term(8));
    write(entries(8, 8, 3));
    reopen();
    assertEquals(8, store.lastIndex());
    List<Entry> expected = new ArrayList<>(entries(1, 5, 1));
    expected.addAll(entries(6, 7, 2));
    expected.addAll(entries(8, 8, 3));
    assertEquals(expected, store.entries(1, 9, Long.MAX_VALUE));
  }

  @Test
  void overwriteFromTheFirstIndexReplacesTheWholeLog() {
    write(entries(1, 4, 1));
    write(entries(1, 2, 2));
    reopen();
    assertEquals(2, store.lastIndex());
    assertEquals(entries(1, 2, 2), store.entries(1, 3, Long.MAX_VALUE));
  }

  @Test
  void appendLeavingAGapIsRefused() {
    write(entries(1, 3, 1));
    assertThrows(IllegalStateException.class, () -> store.append(entries(5, 6, 1)));
    assertEquals(3, store.lastIndex());
  }

  @Test
  void rangeReadsStopAtTheByteCapButReturnAtLeastOneEntry() {
    write(entries(1, 20, 1));
    long one = entry(1, 1, "e1t1").getSerializedSize();
    assertEquals(1, store.entries(1, 21, 0).size());
    assertEquals(1, store.entries(1, 21, one).size());
    List<Entry> three = store.entries(1, 21, 3 * one + 2);
    assertEquals(entries(1, 3, 1), three);
    assertEquals(20, store.entries(1, 21, Long.MAX_VALUE).size());
  }

  @Test
  void readsOutsideTheLogFail() {
    write(entries(1, 5, 1));
    assertThrows(LogUnavailableException.class, () -> store.entries(3, 7, Long.MAX_VALUE));
    assertThrows(LogUnavailableException.class, () -> store.term(6));
  }

  @Test
  void hardStateSurvivesReopen() {
    write(entries(1, 3, 2));
    HardState hs = HardState.newBuilder().setTerm(2).setVote(3).setCommit(2).build();
    store.setHardState(hs);
    store.sync();
    reopen();
    assertEquals(hs, store.initialState().hardState());
    HardState later = hs.toBuilder().setCommit(3).build();
    store.setHardState(later);
    store.sync();
    reopen();
    assertEquals(later, store.initialState().hardState());
    HardState nextTerm = HardState.newBuilder().setTerm(3).setVote(1).setCommit(3).build();
    store.setHardState(nextTerm);
    store.sync();
    reopen();
    assertEquals(nextTerm, store.initialState().hardState());
  }

  @Test
  void compactionDropsThePrefixAndSurvivesReopen() {
    write(entries(1, 50, 1));
    write(entries(51, 100, 2));
    store.compact(60);
    store.sync();
    assertEquals(61, store.firstIndex());
    assertEquals(100, store.lastIndex());
    assertEquals(2, store.term(60));
    assertThrows(LogCompactedException.class, () -> store.term(59));
    assertThrows(LogCompactedException.class, () -> store.entries(60, 62, Long.MAX_VALUE));
    assertEquals(entries(61, 100, 2), store.entries(61, 101, Long.MAX_VALUE));
    reopen();
    assertEquals(61, store.firstIndex());
    assertEquals(2, store.term(60));
    assertEquals(entries(61, 100, 2), store.entries(61, 101, Long.MAX_VALUE));
    write(entries(101, 101, 3));
    store.compact(100);
    reopen();
    assertEquals(101, store.firstIndex());
    assertEquals(101, store.lastIndex());
    assertEquals(2, store.term(100));
  }

  @Test
  void installingASnapshotResetsTheLog() {
    write(entries(1, 30, 1));
    ConfState conf = ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(4).build();
    store.applySnapshot(
        Snapshot.newBuilder()
            .setMetadata(SnapshotMetadata.newBuilder().setIndex(20).setTerm(3).setConfState(conf))
            .build());
    store.sync();
    assertEquals(21, store.firstIndex());
    assertEquals(20, store.lastIndex());
    assertEquals(3, store.term(20));
    assertThrows(LogUnavailableException.class, () -> store.term(21));
    write(entries(21, 22, 3));
    reopen();
    assertEquals(21, store.firstIndex());
    assertEquals(22, store.lastIndex());
    assertEquals(3, store.term(20));
    assertEquals(entries(21, 22, 3), store.entries(21, 23, Long.MAX_VALUE));
    assertEquals(conf, store.initialState().confState());
    assertEquals(20, store.snapshot().getMetadata().getIndex());
  }

  /**
   * A snapshot taken locally is recorded without touching the log; compaction may then leave a
   * margin of entries before it. After a reopen, the snapshot (index, term, configuration) and the
   * margin are both still there.
   */
  @Test
  void aRecordedSnapshotSurvivesReopenAndCompactionMayKeepAMargin() {
    write(entries(1, 40, 1));
    write(entries(41, 60, 2));
    ConfState conf =
        ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(3).addLearners(5).build();
    SnapshotMetadata meta =
        SnapshotMetadata.newBuilder().setIndex(50).setTerm(2).setConfState(conf).build();
    store.recordSnapshot(meta);
    assertEquals(1, store.firstIndex(), "recording a snapshot does not compact");
    assertEquals(meta, store.snapshot().getMetadata());
    assertEquals(conf, store.initialState().confState());
    store.compact(45);
    store.sync();
    reopen();
    assertEquals(46, store.firstIndex());
    assertEquals(60, store.lastIndex());
    assertEquals(meta, store.snapshot().getMetadata());
    assertEquals(conf, store.initialState().confState());
    assertEquals(entries(46, 60, 2), store.entries(46, 61, Long.MAX_VALUE));
    assertEquals(2, store.term(50));
    store.recordSnapshot(SnapshotMetadata.newBuilder().setIndex(30).setTerm(1).build());
    assertEquals(meta, store.snapshot().getMetadata(), "an older snapshot is ignored");
  }

  /** Random appends and overwrites against a plain list model, reopening now and then. */
  @Test
  void randomAppendsAndOverwritesMatchAModel() {
    long seed = 42;
    SplittableRandom random = new SplittableRandom(seed);
    List<Entry> model = new ArrayList<>();
    long term = 1;
    for (int round = 0; round < 60; round++) {
      long last = model.size();
      long from = last == 0 || random.nextInt(4) != 0 ? last + 1 : 1 + random.nextLong(last);
      if (from <= last) term++;
      List<Entry> batch = entries(from, from + random.nextInt(8), term);
      while (model.size() >= from) model.remove(model.size() - 1);
      model.addAll(batch);
      write(batch);
      if (random.nextInt(10) == 0) reopen();
      assertEquals(model.size(), store.lastIndex(), "seed=" + seed + " round=" + round);
      assertEquals(
          model,
          store.entries(1, model.size() + 1, Long.MAX_VALUE),
          "seed=" + seed + " round=" + round);
    }
    reopen();
    assertEquals(model, store.entries(1, model.size() + 1, Long.MAX_VALUE), "seed=" + seed);
    assertTrue(model.size() > 10);
  }
}
