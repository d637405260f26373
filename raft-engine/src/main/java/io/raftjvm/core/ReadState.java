package io.raftjvm.core;

import com.google.protobuf.ByteString;

/**
 * A read that may now be served (thesis §6.4): once this server has applied index, its state
 * machine reflects every write committed before the read was asked for, so a query run then is
 * linearizable.
 *
 * @param index the commit index the leader confirmed it still held when the read arrived
 * @param context the read's identity, as given to {@link RaftNode#readIndex}
 */
public record ReadState(long index, ByteString context) {}
