package io.raftjvm.log.chronicle;

import com.google.protobuf.ByteString;
import io.raftjvm.proto.Entry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** What the store tests share: small segments and entries that carry their index. */
final class StoreFixtures {
  private StoreFixtures() {}

  /** 1 MiB segments, so that a few MB of entries make several files. */
  static final ChronicleLogStore.Options SMALL_SEGMENTS =
      new ChronicleLogStore.Options(true, 1 << 20);

  /** Entries lo..hi of term, each of size bytes starting with its index. */
  static List<Entry> entries(long lo, long hi, long term, int size) {
    List<Entry> out = new ArrayList<>();
    for (long i = lo; i <= hi; i++) {
      byte[] data = new byte[size];
      ByteBuffer.wrap(data).putLong(0, i);
      out.add(
          Entry.newBuilder().setIndex(i).setTerm(term).setData(ByteString.copyFrom(data)).build());
    }
    return out;
  }
}
