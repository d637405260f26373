package io.raftjvm.runtime;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replicated client session table (thesis §6.3), kept by the apply thread in log order, so it
 * is the same on every replica and part of every snapshot. Per session: when it was last active (by
 * the leader's clock written into the entries) and the results of its commands the client may still
 * ask for again (sequence numbers from its first unacknowledged one on).
 *
 * <p>A session expires when an entry's timestamp is more than the timeout after its last activity;
 * a command for an expired or unknown session is refused, never applied as new.
 */
final class Sessions {
  private static final int MAGIC = 0x52534553; // "RSES"
  private static final int VERSION = 1;

  private static final class Session {
    long lastActiveMs;
    long firstUnacked;
    final SessionResults results = new SessionResults();
  }

  private final long timeoutMs;
  private final TreeMap<Long, Session> byId = new TreeMap<>();

  /**
   * The session looked up last and its id (consecutive commands mostly come from one client): a hit
   * costs no boxed key and no tree walk. Cleared whenever sessions leave the table.
   */
  private Session last;

  private long lastId;
  private long lastSweepMs = Long.MIN_VALUE;
  private long expired;

  Sessions(long timeoutMs) {
    this.timeoutMs = timeoutMs;
  }

  /** A session registered by the entry at index, at time nowMs. */
  void register(long index, long nowMs) {
    expire(nowMs);
    Session s = new Session();
    s.lastActiveMs = nowMs;
    s.firstUnacked = 1;
    byId.put(index, s);
  }

  /** What to do with a command: apply it, answer a saved result, or refuse it. */
  sealed interface Verdict permits Apply, Saved, Expired {}

  record Apply() implements Verdict {}

  record Saved(byte[] result) implements Verdict {}

  record Expired(String why) implements Verdict {}

  private static final Apply APPLY = new Apply();

  /**
   * Checks a command (session, sequence) at time nowMs; on Apply, the caller records the result.
   */
  Verdict check(long session, long sequence, long firstUnacked, long nowMs) {
    expire(nowMs);
    Session s = find(session);
    if (s == null) return new Expired("session " + session + " is unknown or expired");
    s.lastActiveMs = Math.max(s.lastActiveMs, nowMs);
    if (firstUnacked > s.firstUnacked) {
      s.firstUnacked = firstUnacked;
      s.results.dropBelow(firstUnacked);
    }
    byte[] saved = s.results.get(sequence);
    if (saved != null) return new Saved(saved);
    if (sequence < s.firstUnacked) {
      return new Expired(
          "command " + sequence + " of session " + session + " was acknowledged and forgotten");
    }
    return APPLY;
  }

  /**
   * Saves the result of command sequence of session. Not if the client has since acknowledged it (a
   * later entry of the same apply batch moved firstUnacked past it): the table must not depend on
   * where batches end, or replicas would answer retries differently.
   */
  void recordResult(long session, long sequence, byte[] result) {
    Session s = find(session);
    if (s != null && sequence >= s.firstUnacked) s.results.put(sequence, result);
  }

  private Session find(long id) {
    if (last != null && lastId == id) return last;
    Session s = byId.get(id);
    if (s != null) {
      last = s;
      lastId = id;
    }
    return s;
  }

  int size() {
    return byId.size();
  }

  /** Sessions expired here since this table was made (not part of the replicated state). */
  long expired() {
    return expired;
  }

  private void expire(long nowMs) {
    if (nowMs < lastSweepMs + Math.max(1, timeoutMs / 16)) return;
    lastSweepMs = nowMs;
    int before = byId.size();
    byId.values().removeIf(s -> s.lastActiveMs + timeoutMs < nowMs);
    if (byId.size() != before) last = null;
    expired += before - byId.size();
  }

  void write(DataOutputStream out) throws IOException {
    write(out, true);
  }

  /**
   * As {@link #write(DataOutputStream)}; without results only when the simulation plants that bug.
   */
  void write(DataOutputStream out, boolean withResults) throws IOException {
    out.writeInt(MAGIC);
    out.writeInt(VERSION);
    out.writeLong(lastSweepMs);
    out.writeInt(byId.size());
    for (Map.Entry<Long, Session> e : byId.entrySet()) {
      Session s = e.getValue();
      out.writeLong(e.getKey());
      out.writeLong(s.lastActiveMs);
      out.writeLong(s.firstUnacked);
      out.writeInt(withResults ? s.results.size() : 0);
      if (withResults) {
        s.results.forEach(
            (sequence, value) -> {
              out.writeLong(sequence);
              out.writeInt(value.length);
              out.write(value);
            });
      }
    }
  }

  /** Replaces the table with one written by {@link #write}. */
  void read(DataInputStream in) throws IOException {
    if (in.readInt() != MAGIC)
      throw new IOException("snapshot does not start with a session table");
    int version = in.readInt();
    if (version != VERSION) throw new IOException("session table of unknown version " + version);
    byId.clear();
    last = null;
    lastSweepMs = in.readLong();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      long id = in.readLong();
      Session s = new Session();
      s.lastActiveMs = in.readLong();
      s.firstUnacked = in.readLong();
      s.results.dropBelow(s.firstUnacked);
      int results = in.readInt();
      for (int j = 0; j < results; j++) {
        long seq = in.readLong();
        byte[] value = new byte[in.readInt()];
        in.readFully(value);
        if (seq < s.firstUnacked) {
          throw new IOException(
              "session " + id + " keeps result " + seq + " below " + s.firstUnacked);
        }
        s.results.put(seq, value);
      }
      byId.put(id, s);
    }
  }
}
