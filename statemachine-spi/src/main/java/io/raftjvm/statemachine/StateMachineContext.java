package io.raftjvm.statemachine;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a {@link StateMachineProvider} gets to build a state machine with.
 *
 * @param nodeId this server's id in the cluster
 * @param dataDir a directory of the state machine's own (created, empty on first start)
 * @param config the provider's own configuration subtree ({@code state-machine-config} in the
 *     server's file), flattened to dotted keys and string values
 * @param logger where to log; goes to the server's log
 */
public record StateMachineContext(
    long nodeId, Path dataDir, Map<String, String> config, System.Logger logger) {}
