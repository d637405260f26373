package io.raftjvm.log.chronicle;

import java.nio.file.Path;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.TableStoreWriteLock;
import net.openhft.chronicle.threads.Pauser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chronicle records the pid of the process holding its write lock and waits out a timeout (then
 * fails) when that pid is alive. After a crash the pid may well be alive again, reused by another
 * process or by us (pid 1 in a restarted container), and every restart would fail. Holding the
 * directory's OS lock ({@link DirectoryLock}) proves no other process writes here, so any lock
 * still set is stale.
 */
final class StaleWriteLocks {
  private static final Logger LOG = LoggerFactory.getLogger(StaleWriteLocks.class);

  private StaleWriteLocks() {}

  /** Releases the queue's write locks; call only while holding the directory lock. */
  static void release(SingleChronicleQueue queue, Path queueDir) {
    for (String key : new String[] {"chronicle.write.lock", TableStoreWriteLock.APPEND_LOCK_KEY}) {
      TableStoreWriteLock lock =
          new TableStoreWriteLock(queue.metaStore(), Pauser::balanced, 0L, key);
      try {
        if (lock.locked()) {
          LOG.warn(
              "{}: releasing Chronicle {} left set by a process that is gone (held by pid {})",
              queueDir,
              key,
              lock.lockedBy());
          lock.forceUnlock();
        }
      } finally {
        lock.close();
      }
    }
  }
}
