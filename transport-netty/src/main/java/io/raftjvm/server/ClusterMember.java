package io.raftjvm.server;

import java.net.InetSocketAddress;

/** One server of the cluster as the config file names it ({@code raft.peers}). */
public record ClusterMember(
    long id, InetSocketAddress peerAddress, InetSocketAddress clientAddress) {}
