package io.raftjvm.lincheck;

/**
 * A single register: put writes, get reads, cas writes if the value is the one expected. An ok cas
 * succeeded; a cas that found another value carries no effect and is recorded as failed. Stateless.
 */
public final class RegisterModel implements Model {
  @Override
  public boolean allows(long state, Operation op) {
    return switch (op.kind()) {
      case PUT -> true;
      case GET -> op.value() == state;
      case CAS -> op.expect() == state;
      default -> false;
    };
  }

  @Override
  public long apply(long state, Operation op) {
    return switch (op.kind()) {
      case PUT, CAS -> op.arg();
      default -> state;
    };
  }

  @Override
  public String name() {
    return "register";
  }
}
