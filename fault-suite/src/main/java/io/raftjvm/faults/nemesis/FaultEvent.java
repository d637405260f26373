package io.raftjvm.faults.nemesis;

/**
 * One fault as it happened. Times are System.nanoTime, which on Linux is the same clock in every
 * process of the machine, so they compare with the clients' history.
 */
public record FaultEvent(FaultKind kind, String what, long startNanos, long healNanos) {}
