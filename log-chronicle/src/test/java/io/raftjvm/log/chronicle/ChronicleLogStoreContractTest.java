package io.raftjvm.log.chronicle;

import io.raftjvm.core.LogStore;
import io.raftjvm.core.LogStoreContract;
import io.raftjvm.proto.ConfState;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;

/** The storage contract on Chronicle Queue; a reopen closes the queue and replays it from disk. */
@DisplayName("Storage contract: ChronicleLogStore")
class ChronicleLogStoreContractTest extends LogStoreContract {
  @TempDir Path dir;

  static ChronicleLogStore.Options options() {
    return new ChronicleLogStore.Options(true, 1 << 20);
  }

  @Override
  protected LogStore openFresh() {
    ChronicleLogStore s = ChronicleLogStore.open(dir, "test-cluster", 1, options());
    s.bootstrap(ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(3).build());
    return s;
  }

  @Override
  protected LogStore reopen(LogStore store) {
    store.close();
    return ChronicleLogStore.open(dir, "test-cluster", 1, options());
  }
}
