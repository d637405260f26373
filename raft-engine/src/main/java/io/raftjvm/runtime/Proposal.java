package io.raftjvm.runtime;

/**
 * A proposal that committed and was applied.
 *
 * @param index the log index of the command
 * @param result what the state machine returned for it
 */
public record Proposal(long index, byte[] result) {}
