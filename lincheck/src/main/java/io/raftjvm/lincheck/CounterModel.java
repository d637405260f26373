package io.raftjvm.lincheck;

/** The replicated counter: add returns the value after adding; get returns the value. Stateless. */
public final class CounterModel implements Model {
  @Override
  public boolean allows(long state, Operation op) {
    return switch (op.kind()) {
      case ADD -> !op.hasValue() || op.value() == state + op.delta();
      case GET -> op.value() == state;
      default -> false;
    };
  }

  @Override
  public long apply(long state, Operation op) {
    return op.kind() == Operation.Kind.ADD ? state + op.delta() : state;
  }

  @Override
  public String name() {
    return "counter";
  }
}
