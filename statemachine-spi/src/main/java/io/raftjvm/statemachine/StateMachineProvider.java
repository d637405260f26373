package io.raftjvm.statemachine;

/**
 * Makes {@link StateMachine}s of one kind. Found with {@link java.util.ServiceLoader}: list the
 * implementation in {@code META-INF/services/io.raftjvm.statemachine.StateMachineProvider} of the
 * plugin jar. The server picks the provider whose {@link #name()} its configuration names ({@code
 * state-machine = "counter"}) and refuses to start if none or several match.
 *
 * <p>Needs a public no-argument constructor; called once per server start, on the main thread.
 */
public interface StateMachineProvider {
  /** The stable name configurations select this provider by, e.g. {@code "counter"}. */
  String name();

  /**
   * A state machine for the node the context describes, empty or as it stored itself in the data
   * directory.
   */
  StateMachine create(StateMachineContext context) throws Exception;
}
