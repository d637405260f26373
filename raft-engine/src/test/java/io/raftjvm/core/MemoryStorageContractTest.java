package io.raftjvm.core;

import org.junit.jupiter.api.DisplayName;

/** The storage contract on the in-memory store; a reopen keeps the same memory. */
@DisplayName("Storage contract: MemoryStorage")
class MemoryStorageContractTest extends LogStoreContract {
  @Override
  protected LogStore openFresh() {
    return MemoryStorage.bootstrap(1, 2, 3);
  }

  @Override
  protected LogStore reopen(LogStore store) {
    return store;
  }
}
