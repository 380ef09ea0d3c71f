package dev.prism;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A future for an immutable object in the cluster: the result of a task or a value given to {@link
 * Prism#put(Object)}. Refs are cheap to pass around: give them to other tasks as arguments (the
 * task then receives the value), nest them inside other values, or call {@link #get()} to wait for
 * the value. The process that created a ref owns the object; the object is freed once no ref to it
 * is left anywhere in the cluster.
 *
 * @param <T> the type of the value
 */
public interface ObjectRef<T> {

  /**
   * Waits for the value and returns it.
   *
   * @return the value
   * @throws TaskException if the task that makes it threw
   * @throws WorkerCrashedException if the task's worker died more times than it may be retried
   * @throws ObjectLostException if the value is gone and cannot be rebuilt
   */
  T get();

  /**
   * Waits at most {@code timeout} for the value and returns it.
   *
   * @param timeout how long to wait
   * @return the value
   * @throws GetTimeoutException if the value is not ready in time
   */
  T get(Duration timeout);

  /**
   * The object's id in hex.
   *
   * @return the id
   */
  String id();

  /**
   * The value as a future, to wait without holding a thread (Ray's {@code ref.future()}): it
   * completes with what {@link #get()} would return, or exceptionally with what it would throw. A
   * small value is read on the thread that learns it is ready (keep dependent stages short, or use
   * an {@code ...Async} stage); a value in the object store is read on a virtual thread. The future
   * holds this ref until it completes.
   *
   * @return the future
   * @throws PrismException if this ref's process was shut down
   */
  CompletableFuture<T> future();
}
