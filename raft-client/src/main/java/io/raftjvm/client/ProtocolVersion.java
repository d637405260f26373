package io.raftjvm.client;

/**
 * A wire protocol's version as one side states it in its hello: the version it speaks and the
 * oldest it still understands. Two sides can talk when their ranges overlap; the side that receives
 * a hello decides, so an old server refuses a client too new for it as surely as a new one refuses
 * a client too old. A hello without a version (0) comes from a build before versions were stated,
 * which spoke version 1.
 *
 * <p>The rules for a change: a release may add fields and messages that older sides ignore without
 * a new version; a change an older side would misread raises {@code current}, and dropping what an
 * older side sends raises {@code oldest}. A release keeps understanding the previous release's
 * version, so servers can be upgraded one at a time.
 *
 * @param name what is versioned, as a line names it ("client protocol")
 * @param current the version this side speaks
 * @param oldest the oldest version this side understands
 */
public record ProtocolVersion(String name, int current, int oldest) {
  /** Between clients (and tools) and a server's client port. */
  public static final ProtocolVersion CLIENT = new ProtocolVersion("client protocol", 1, 1);

  public ProtocolVersion {
    if (oldest < 1 || oldest > current)
      throw new IllegalArgumentException("bad " + name + " range " + oldest + ".." + current);
  }

  /**
   * Why this side cannot talk with one that states theirs and theirOldest (0: not stated), or null
   * if it can: one line naming both versions.
   *
   * @param who the other side, as the line names it ("node 3", "the client")
   */
  public String refusal(String who, int theirs, int theirOldest) {
    int t = theirs == 0 ? 1 : theirs;
    int o = theirOldest == 0 || theirOldest > t ? t : theirOldest;
    if (o <= current && oldest <= t) return null;
    return who
        + " speaks "
        + name
        + " "
        + range(t, o)
        + ", this server "
        + range(current, oldest)
        + " (no version in common: "
        + (t > current ? "upgrade this server" : "upgrade " + who)
        + ")";
  }

  private static String range(int v, int oldest) {
    return v == oldest ? Integer.toString(v) : v + " (understands " + oldest + "-" + v + ")";
  }
}
