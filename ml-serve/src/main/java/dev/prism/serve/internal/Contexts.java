package dev.prism.serve.internal;

import dev.prism.serve.ReplicaContext;

/** The thread-local behind {@link ReplicaContext#current()}, set by the replica per request. */
public final class Contexts {

  /** The calling thread's context. */
  public static final ThreadLocal<ReplicaContext> CURRENT = new ThreadLocal<>();

  private Contexts() {}
}
