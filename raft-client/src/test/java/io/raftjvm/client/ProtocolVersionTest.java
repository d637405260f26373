package io.raftjvm.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Two sides talk when the ranges of versions they understand overlap. */
class ProtocolVersionTest {
  private static final ProtocolVersion V3 = new ProtocolVersion("peer protocol", 3, 2);

  @Test
  void overlappingRangesTalk() {
    assertNull(V3.refusal("node 2", 3, 3));
    assertNull(V3.refusal("node 2", 2, 1), "an older side this one still understands");
    assertNull(V3.refusal("node 2", 4, 3), "a newer side that still understands this one");
  }

  @Test
  void disjointRangesAreRefusedNamingBothVersions() {
    assertEquals(
        "node 2 speaks peer protocol 1, this server 3 (understands 2-3) (no version in common:"
            + " upgrade node 2)",
        V3.refusal("node 2", 1, 1));
    assertEquals(
        "the client speaks peer protocol 5 (understands 4-5), this server 3 (understands 2-3) (no"
            + " version in common: upgrade this server)",
        V3.refusal("the client", 5, 4));
  }

  @Test
  void aHelloWithoutAVersionIsVersionOne() {
    assertNull(ProtocolVersion.CLIENT.refusal("the client", 0, 0));
    assertEquals(
        "node 2 speaks peer protocol 1, this server 3 (understands 2-3) (no version in common:"
            + " upgrade node 2)",
        V3.refusal("node 2", 0, 0));
  }

  @Test
  void anEmptyRangeIsABug() {
    assertThrows(IllegalArgumentException.class, () -> new ProtocolVersion("x", 1, 2));
    assertThrows(IllegalArgumentException.class, () -> new ProtocolVersion("x", 1, 0));
  }
}
