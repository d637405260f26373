package io.raftjvm.core;

/** A log position: an entry is identified by its term and index (Log Matching, §5.3). */
public record EntryId(long term, long index) {
  @Override
  public String toString() {
    return index + "/" + term;
  }
}
