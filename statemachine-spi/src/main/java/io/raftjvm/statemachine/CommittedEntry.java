package io.raftjvm.statemachine;

/**
 * A committed command, handed to {@link StateMachine#apply} in log order.
 *
 * @param index its position in the Raft log (1-based, increasing by one from call to call)
 * @param term the term in which the leader received it
 * @param data the command bytes as the client sent them; do not modify
 */
public record CommittedEntry(long index, long term, byte[] data) {}
