package io.raftjvm.faults.nemesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class FaultKindTest {
  @Test
  void parsesACommaSeparatedListInAnyCase() {
    assertEquals(
        EnumSet.of(FaultKind.PARTITION, FaultKind.KILL, FaultKind.DISK),
        FaultKind.parse("partition, KILL,disk,"));
    assertEquals(
        EnumSet.allOf(FaultKind.class),
        FaultKind.parse("partition,link,kill,pause,membership,disk"));
  }

  @Test
  void anUnknownKindIsNamedInOneLine() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> FaultKind.parse("kill,flood"));
    assertEquals(
        "unknown fault kind 'flood' (partition, link, kill, pause, membership, disk)",
        e.getMessage());
    assertEquals(
        "no fault kind given",
        assertThrows(IllegalArgumentException.class, () -> FaultKind.parse(" , ")).getMessage());
  }
}
