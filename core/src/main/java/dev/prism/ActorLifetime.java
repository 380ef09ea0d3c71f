package dev.prism;

/** How long an actor lives when nobody kills it. */
public enum ActorLifetime {
  /**
   * The default: the actor is destroyed when its creator's job ends, when the process that created
   * it dies, or when no handle to it from its creation is left.
   */
  OWNED,
  /**
   * The actor outlives its creator and lives while the cluster runs, until it is killed. Give it a
   * name so others can find it with {@link Prism#getActor(String)}.
   */
  DETACHED
}
