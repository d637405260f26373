package io.raftjvm.core;

import com.google.protobuf.ByteString;
import io.raftjvm.proto.Entry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Compact log builders for tests: a log is written as the terms of its entries, index 1 first. */
final class Logs {
  private Logs() {}

  /** Entries with indexes 1..n carrying these terms (Figure 7 notation). */
  static List<Entry> terms(long... terms) {
    return from(1, terms);
  }

  /** Entries with consecutive indexes starting at firstIndex, carrying these terms. */
  static List<Entry> from(long firstIndex, long... terms) {
    List<Entry> out = new ArrayList<>(terms.length);
    for (int i = 0; i < terms.length; i++) out.add(entry(firstIndex + i, terms[i]));
    return out;
  }

  /** n copies of term, for building long logs with {@link #concat}. */
  static long[] repeat(int n, long term) {
    long[] t = new long[n];
    Arrays.fill(t, term);
    return t;
  }

  static Entry entry(long index, long term) {
    return Entry.newBuilder().setIndex(index).setTerm(term).build();
  }

  static Entry entry(long index, long term, String data) {
    return Entry.newBuilder()
        .setIndex(index)
        .setTerm(term)
        .setData(ByteString.copyFromUtf8(data))
        .build();
  }

  /** Concatenates term arrays. */
  static long[] concat(long[]... parts) {
    return Arrays.stream(parts).flatMapToLong(Arrays::stream).toArray();
  }

  /** The terms of ents, in order. */
  static List<Long> termsOf(List<Entry> ents) {
    List<Long> out = new ArrayList<>(ents.size());
    for (Entry e : ents) out.add(e.getTerm());
    return out;
  }

  /** The terms of a whole node's log (stable and unstable), index 1 first. */
  static List<Long> termsOf(RaftNode node) {
    Raft r = node.raft();
    return termsOf(node.entries(r.log.firstIndex(), r.log.lastIndex() + 1));
  }

  /** Terms as a List, for comparing with {@link #termsOf}. */
  static List<Long> list(long... terms) {
    List<Long> out = new ArrayList<>(terms.length);
    for (long t : terms) out.add(t);
    return out;
  }
}
