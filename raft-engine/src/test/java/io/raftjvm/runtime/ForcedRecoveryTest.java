package io.raftjvm.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.raftjvm.core.ConfChanges;
import io.raftjvm.core.MemoryStorage;
import io.raftjvm.proto.ConfChangeType;
import io.raftjvm.proto.Entry;
import io.raftjvm.proto.EntryType;
import io.raftjvm.proto.HardState;
import io.raftjvm.proto.Member;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the forced recovery writes into a survivor's log, and which logs it refuses. */
class ForcedRecoveryTest {
  private static final Member ONE = Member.newBuilder().setId(1).setPeerAddress("h1:7101").build();

  private static Entry entry(long index, long term) {
    return Entry.newBuilder()
        .setIndex(index)
        .setTerm(term)
        .setData(ByteString.copyFromUtf8("c" + index))
        .build();
  }

  @Test
  void appendsAForcedConfigurationAtANewTermAndCommitsIt() {
    MemoryStorage log = MemoryStorage.bootstrap(1, 2, 3);
    Entry learner =
        Entry.newBuilder()
            .setIndex(3)
            .setTerm(2)
            .setType(EntryType.ENTRY_CONF_CHANGE)
            .setData(ConfChanges.addLearner(4, "h4:7104", "").toByteString())
            .build();
    log.append(List.of(entry(1, 1), entry(2, 2), learner, entry(4, 2)));
    log.setHardState(HardState.newBuilder().setTerm(5).setVote(2).setCommit(2).build());

    ForcedRecovery.Result planned = ForcedRecovery.plan(log, ONE);
    assertEquals(4, log.lastIndex(), "a plan writes nothing");
    ForcedRecovery.Result r = ForcedRecovery.run(log, ONE);
    assertEquals(planned, r);

    assertEquals(4, r.lastIndex());
    assertEquals(2, r.lastTerm());
    assertEquals(2, r.commitBefore());
    assertEquals(List.of(1L, 2L, 3L), r.before().getVotersList());
    assertEquals(
        List.of(4L), r.before().getLearnersList(), "the latest configuration, uncommitted");
    assertEquals(5, r.index());
    assertEquals(6, r.term(), "above the hard state's term, which is above the log's");
    assertEquals(List.of(1L), r.after().getVotersList());
    assertEquals(List.of(ONE), r.after().getMembersList());
    assertEquals(5, log.lastIndex());
    Entry forced = log.entries(5, 6, Long.MAX_VALUE).get(0);
    assertEquals(6, forced.getTerm());
    assertEquals(ConfChangeType.CONF_FORCE_NEW, ConfChanges.decode(forced).getType());
    assertEquals(HardState.newBuilder().setTerm(6).setCommit(5).build(), log.hardState());
  }

  @Test
  void refusesAnEmptyLogAndAServerThatIsNotAVoter() {
    ForcedRecovery.RecoveryRefusedException empty =
        assertThrows(
            ForcedRecovery.RecoveryRefusedException.class,
            () -> ForcedRecovery.run(new MemoryStorage(), ONE));
    assertEquals(
        "the log of node 1 is empty: nothing to recover (start a new cluster instead)",
        empty.getMessage());

    MemoryStorage log = MemoryStorage.bootstrap(2, 3, 4);
    log.append(List.of(entry(1, 1)));
    ForcedRecovery.RecoveryRefusedException notVoter =
        assertThrows(
            ForcedRecovery.RecoveryRefusedException.class, () -> ForcedRecovery.run(log, ONE));
    assertEquals(
        "node 1 is not a voter of the configuration in its log (voters [2, 3, 4], learners []):"
            + " recover one of the voters",
        notVoter.getMessage());
    assertEquals(1, log.lastIndex(), "nothing written");
  }
}
