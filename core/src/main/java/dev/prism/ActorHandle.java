package dev.prism;

/**
 * A handle to an actor: a stateful worker made by {@code Prism.actor(MyActor::new, ...)}. Call its
 * methods with {@code handle.task(MyActor::method, args...).remote()}; each call returns an {@link
 * ObjectRef} at once and runs on the actor's own process, one at a time in the order this process
 * made them (unless the actor allows concurrent calls).
 *
 * <p>Handles can be passed to tasks and to other actors, as arguments or inside other values, and
 * keep working there. An actor that is not detached is destroyed once no handle that came from its
 * creation is left anywhere (handles found by name with {@link Prism#getActor(String)} do not keep
 * it alive, as in Ray). Implemented by Prism only.
 *
 * @param <A> the actor's class
 */
public interface ActorHandle<A> extends ActorCalls<A> {

  /**
   * The actor's id, 32 hex digits, unique in the cluster.
   *
   * @return the id
   */
  String actorId();

  /**
   * The name of the actor's class.
   *
   * @return the class name
   */
  String className();

  /**
   * Kills the actor at once without restarting it (its process is killed, calls in flight fail with
   * {@link ActorDiedException}). Same as {@code Prism.kill(handle)}.
   */
  void kill();
}
