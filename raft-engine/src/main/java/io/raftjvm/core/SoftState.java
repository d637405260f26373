package io.raftjvm.core;

/** Volatile state worth telling the owner about when it changes: who leads, and our role. */
public record SoftState(long lead, Role role) {}
