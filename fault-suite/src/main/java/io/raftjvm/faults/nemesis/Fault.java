package io.raftjvm.faults.nemesis;

/** A fault the nemesis injected and will heal. */
public interface Fault {
  FaultKind kind();

  /** What was done, to whom: "isolate leader 2", "SIGSTOP server 3". */
  String describe();

  /** Undoes the fault: rules removed, process continued or restarted, links back to normal. */
  void heal() throws Exception;

  /** How a fault is undone. */
  @FunctionalInterface
  interface Healer {
    void heal() throws Exception;
  }

  /** A fault of kind, described by what, undone by healer. */
  static Fault of(FaultKind kind, String what, Healer healer) {
    return new Fault() {
      @Override
      public FaultKind kind() {
        return kind;
      }

      @Override
      public String describe() {
        return what;
      }

      @Override
      public void heal() throws Exception {
        healer.heal();
      }

      @Override
      public String toString() {
        return kind.label() + ": " + what;
      }
    };
  }
}
