package io.raftjvm.runtime;

import io.raftjvm.core.LogStore;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Snapshot;
import java.util.List;

/** A LogStore that forwards everything to another, for tests to override one method. */
public class ForwardingStore implements LogStore {
  private final LogStore delegate;

  public ForwardingStore(LogStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public InitialState initialState() {
    return delegate.initialState();
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    return delegate.entries(lo, hi, maxBytes);
  }

  @Override
  public long term(long index) {
    return delegate.term(index);
  }

  @Override
  public long firstIndex() {
    return delegate.firstIndex();
  }

  @Override
  public long lastIndex() {
    return delegate.lastIndex();
  }

  @Override
  public Snapshot snapshot() {
    return delegate.snapshot();
  }

  @Override
  public void append(List<Entry> entries) {
    delegate.append(entries);
  }

  @Override
  public void setHardState(HardState hardState) {
    delegate.setHardState(hardState);
  }

  @Override
  public void applySnapshot(Snapshot snapshot) {
    delegate.applySnapshot(snapshot);
  }

  @Override
  public void compact(long index) {
    delegate.compact(index);
  }

  @Override
  public void recordSnapshot(io.raftjvm.proto.SnapshotMetadata meta) {
    delegate.recordSnapshot(meta);
  }

  @Override
  public void sync() {
    delegate.sync();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
