package io.raftjvm.server;

import java.net.InetSocketAddress;

/**
 * One server of the cluster as the config file names it ({@code raft.peers}).
 *
 * @param httpAddress where it serves HTTP (metrics, health, status, dashboard); null if not named
 */
public record ClusterMember(
    long id,
    InetSocketAddress peerAddress,
    InetSocketAddress clientAddress,
    InetSocketAddress httpAddress) {}
