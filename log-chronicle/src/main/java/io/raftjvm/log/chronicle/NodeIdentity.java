package io.raftjvm.log.chronicle;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Which cluster and node a data directory belongs to, written when the directory is first used, so
 * that a server never opens another server's data by mistake.
 */
final class NodeIdentity {
  static final String NAME = "node.id";
  private static final int MAGIC = 0x5241494E; // "RAIN"
  private static final int VERSION = 1;

  private NodeIdentity() {}

  /**
   * Checks the directory's identity against (clusterId, nodeId), writing it if the directory is
   * new.
   *
   * @param fresh whether the directory holds no Raft data yet
   */
  static void verifyOrCreate(
      Path dir, String clusterId, long nodeId, boolean fresh, boolean durable) {
    AtomicFile file = new AtomicFile(dir.resolve(NAME), MAGIC, VERSION);
    ByteBuffer b = file.read();
    if (b == null) {
      if (!fresh) {
        throw new StorageException(
            file.path()
                + " is missing but "
                + dir
                + " holds Raft data: refusing to guess whose it is");
      }
      byte[] cluster = clusterId.getBytes(StandardCharsets.UTF_8);
      ByteBuffer out = ByteBuffer.allocate(8 + 4 + cluster.length);
      out.putLong(nodeId).putInt(cluster.length).put(cluster).flip();
      file.write(out, durable);
      return;
    }
    if (b.remaining() < 12)
      throw new StorageException("corrupt file " + file.path() + ": payload too short");
    long storedNode = b.getLong();
    int len = b.getInt();
    if (len < 0 || len != b.remaining())
      throw new StorageException("corrupt file " + file.path() + ": bad cluster id length");
    byte[] cluster = new byte[len];
    b.get(cluster);
    String storedCluster = new String(cluster, StandardCharsets.UTF_8);
    if (!storedCluster.equals(clusterId)) {
      throw new StorageException(
          file.path() + " belongs to cluster '" + storedCluster + "', not '" + clusterId + "'");
    }
    if (storedNode != nodeId) {
      throw new StorageException(
          file.path() + " belongs to node " + storedNode + ", not node " + nodeId);
    }
  }
}
