package io.raftjvm.core;

import io.raftjvm.proto.Entry;
import java.util.List;

/** Helpers over entry lists. */
public final class Entries {
  private Entries() {}

  /**
   * The longest prefix of ents whose total serialized size is at most maxBytes, but at least one
   * entry.
   */
  public static List<Entry> limitSize(List<Entry> ents, long maxBytes) {
    if (ents.isEmpty()) return List.of();
    long size = ents.get(0).getSerializedSize();
    int n = 1;
    while (n < ents.size()) {
      size += ents.get(n).getSerializedSize();
      if (size > maxBytes) break;
      n++;
    }
    return List.copyOf(ents.subList(0, n));
  }

  /** Total serialized size, in bytes. */
  public static long sizeOf(List<Entry> ents) {
    long size = 0;
    for (Entry e : ents) size += e.getSerializedSize();
    return size;
  }
}
