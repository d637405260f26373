package io.raftjvm.lincheck;

/**
 * A sequential specification whose state is one long: what an operation may return in a state, and
 * the state it leaves. Operations of unknown outcome carry no return value, so a model must allow
 * them whenever their effect is possible.
 */
public interface Model {
  /** Whether op, run alone in state, could have had its recorded outcome. */
  boolean allows(long state, Operation op);

  /** The state after op (only called when allowed). */
  long apply(long state, Operation op);

  /**
   * Whether op never changes the state (a read). Such an operation, when allowed in the current
   * state and callable now, can be linearized at once without losing any solution: the checker
   * relies on it to avoid trying reads in every order.
   */
  default boolean readOnly(Operation op) {
    return op.kind() == Operation.Kind.GET;
  }

  /** The model's name, for reports. */
  String name();
}
