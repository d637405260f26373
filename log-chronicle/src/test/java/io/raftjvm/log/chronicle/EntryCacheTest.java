package io.raftjvm.log.chronicle;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.google.protobuf.ByteString;
import io.raftjvm.proto.Entry;
import org.junit.jupiter.api.Test;

/** The cache answers only for the exact (index, term) it holds; anything else goes to the queue. */
class EntryCacheTest {
  private static Entry entry(long index, long term, int bytes) {
    return Entry.newBuilder()
        .setIndex(index)
        .setTerm(term)
        .setData(ByteString.copyFrom(new byte[bytes]))
        .build();
  }

  @Test
  void answersTheEntryWrittenAtThatIndexAndTerm() {
    EntryCache c = new EntryCache();
    Entry e = entry(7, 2, 16);
    c.put(e);
    assertSame(e, c.get(7, 2));
    assertNull(c.get(8, 2), "never written");
  }

  /** §5.3: a new leader's entry replaced ours; the index map's term tells them apart. */
  @Test
  void anotherTermAtTheIndexIsAMiss() {
    EntryCache c = new EntryCache();
    c.put(entry(7, 2, 16));
    assertNull(c.get(7, 3));
    Entry replaced = entry(7, 3, 16);
    c.put(replaced);
    assertSame(replaced, c.get(7, 3));
    assertNull(c.get(7, 2));
  }

  @Test
  void aSlotReusedByALaterIndexIsAMissForTheEarlierOne() {
    EntryCache c = new EntryCache();
    c.put(entry(5, 1, 16));
    Entry later = entry(5 + EntryCache.SLOTS, 1, 16);
    c.put(later);
    assertNull(c.get(5, 1));
    assertSame(later, c.get(5 + EntryCache.SLOTS, 1));
  }

  @Test
  void largeEntriesAreNotKeptAndClearTheirSlot() {
    EntryCache c = new EntryCache();
    c.put(entry(9 - EntryCache.SLOTS, 1, 16));
    c.put(entry(9, 1, EntryCache.MAX_DATA_BYTES + 1));
    assertNull(c.get(9, 1));
    assertNull(c.get(9 - EntryCache.SLOTS, 1));
  }
}
