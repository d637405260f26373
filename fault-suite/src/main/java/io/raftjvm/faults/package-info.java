/**
 * The fault suite: real server processes, each in its own network namespace, under a nemesis that
 * schedules partitions, broken links, crashes, pauses, membership changes and full disks from a
 * seed; the clients' histories are checked for linearizability.
 */
package io.raftjvm.faults;
