package dev.prism.store;

/** The life-cycle state of an object in the store. */
public enum ObjectState {
  /** Created and being written by its creator; not yet visible to get. */
  CREATED,
  /** Sealed: immutable and readable by every client. */
  SEALED
}
