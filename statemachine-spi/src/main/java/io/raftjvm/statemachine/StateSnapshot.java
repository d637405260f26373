package io.raftjvm.statemachine;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A point-in-time image of a state machine's state, taken quickly on the apply thread ({@link
 * StateMachine#takeSnapshot}) and written out on another thread while applying goes on, the shape
 * of hashicorp/raft's FSMSnapshot: for example an immutable or copy-on-write structure, or a
 * storage engine's own snapshot handle.
 */
public interface StateSnapshot extends AutoCloseable {
  /**
   * Writes the image (what {@link StateMachine#restore} reads). Runs on a snapshot thread,
   * concurrently with apply: it must read only the image, never the live state.
   */
  void writeTo(OutputStream out) throws IOException;

  /** Releases the image; called once, after writeTo, whether it succeeded or not. */
  @Override
  default void close() {}
}
