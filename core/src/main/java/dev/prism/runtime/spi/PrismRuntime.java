package dev.prism.runtime.spi;

import dev.prism.ActorHandle;
import dev.prism.ObjectRef;
import dev.prism.PlacementStrategy;
import dev.prism.PrismConfig;
import dev.prism.PrismException;
import dev.prism.RuntimeContext;
import dev.prism.WaitResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the public API ({@code dev.prism}) asks of the runtime, in the API's own types and
 * plain values: no protobuf, gRPC or runtime class crosses it. Get the process's runtime with
 * {@link Runtimes#get()}.
 *
 * <p>The API validates arguments before it calls in; a runtime throws only exception types of the
 * {@code dev.prism} package ({@link PrismException} and its public subclasses, and {@link
 * IllegalArgumentException} for a request the cluster refuses as invalid). Every method but {@link
 * #start}, {@link #shutdown} and {@link #isInitialized} throws {@link PrismException} when the
 * runtime is not initialized in this process.
 */
public interface PrismRuntime {

  /**
   * Starts an embedded cluster, or joins the one at the config's address (or {@code
   * PRISM_ADDRESS}), and this process's driver in it.
   *
   * @param config the configuration
   * @throws PrismException if already initialized, the cluster cannot start or be reached, or it
   *     refuses this driver's token
   */
  void start(PrismConfig config);

  /** Stops this process's driver and an embedded cluster; does nothing when not initialized. */
  void shutdown();

  /**
   * Whether the runtime runs in this process (always true inside a task).
   *
   * @return true while initialized
   */
  boolean isInitialized();

  /**
   * Stores a value.
   *
   * @param value the value
   * @param <T> its type
   * @return its ref, owned by this process
   */
  <T> ObjectRef<T> put(T value);

  /**
   * Waits for a value.
   *
   * @param ref a ref the runtime returned
   * @param <T> the value's type
   * @return the value
   */
  <T> T get(ObjectRef<T> ref);

  /**
   * Waits at most {@code timeout} for a value.
   *
   * @param ref a ref the runtime returned
   * @param timeout how long to wait
   * @param <T> the value's type
   * @return the value
   */
  <T> T get(ObjectRef<T> ref, Duration timeout);

  /**
   * Waits until {@code numReturns} of the objects are ready, or the timeout passes.
   *
   * @param refs the refs
   * @param numReturns how many must be ready
   * @param timeout how long to wait at most
   * @param <T> the values' type
   * @return the ready refs and the rest
   */
  <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns, Duration timeout);

  /**
   * Cancels the task or actor call that makes a ref.
   *
   * @param ref the ref a submission returned
   * @param force whether to kill the worker running it
   * @param recursive whether to cancel the pending tasks and calls it submitted too
   * @return whether the task was still pending
   */
  boolean cancel(ObjectRef<?> ref, boolean force, boolean recursive);

  /**
   * Where the calling code runs.
   *
   * @return the context
   */
  RuntimeContext runtimeContext();

  /**
   * Submits a task.
   *
   * @param function the static method to run
   * @param args its arguments (values or refs)
   * @param settings its options
   * @return the ref of its result
   */
  ObjectRef<?> submitTask(FunctionDescriptor function, Object[] args, TaskSettings settings);

  /**
   * Submits a task with several results.
   *
   * @param function the static method to run (returns a list or array of {@code numReturns})
   * @param args its arguments (values or refs)
   * @param settings its options
   * @param numReturns how many results, 2 or more
   * @return the refs of its results, in order
   */
  List<ObjectRef<?>> submitTask(
      FunctionDescriptor function, Object[] args, TaskSettings settings, int numReturns);

  /**
   * Submits a task as a streaming generator.
   *
   * @param function the static method to run (returns an Iterator, Iterable or Stream)
   * @param args its arguments (values or refs)
   * @param settings its options
   * @param backpressure values produced but not consumed at most, or -1 for no bound
   * @return the generator of its values' refs
   */
  dev.prism.ObjectRefGenerator<?> submitStreamingTask(
      FunctionDescriptor function, Object[] args, TaskSettings settings, int backpressure);

  /**
   * Creates an actor.
   *
   * @param factory its constructor or static factory
   * @param args the factory's arguments
   * @param settings its options
   * @return its handle
   */
  ActorHandle<?> createActor(FunctionDescriptor factory, Object[] args, ActorSettings settings);

  /**
   * Calls an actor's method.
   *
   * @param actor the actor
   * @param method the instance method
   * @param args its arguments
   * @param name the call's display name, or null
   * @param concurrencyGroup the concurrency group the call runs in, or null for the method's
   * @return the ref of its result
   * @throws IllegalArgumentException if the actor has no concurrency group of that name
   */
  ObjectRef<?> callActor(
      ActorHandle<?> actor,
      FunctionDescriptor method,
      Object[] args,
      String name,
      String concurrencyGroup);

  /**
   * Calls an actor's method that has several results.
   *
   * @param actor the actor
   * @param method the instance method (returns a list or array of {@code numReturns})
   * @param args its arguments
   * @param name the call's display name, or null
   * @param concurrencyGroup the concurrency group the call runs in, or null for its method's
   * @param numReturns how many results, 2 or more
   * @return the refs of its results, in order
   */
  List<ObjectRef<?>> callActor(
      ActorHandle<?> actor,
      FunctionDescriptor method,
      Object[] args,
      String name,
      String concurrencyGroup,
      int numReturns);

  /**
   * Calls an actor's method as a streaming generator.
   *
   * @param actor the actor
   * @param method the instance method (returns an Iterator, Iterable or Stream)
   * @param args its arguments
   * @param name the call's display name, or null
   * @param concurrencyGroup the concurrency group the call runs in, or null for its method's
   * @param backpressure values produced but not consumed at most, or -1 for no bound
   * @return the generator of its values' refs
   */
  dev.prism.ObjectRefGenerator<?> callActorStreaming(
      ActorHandle<?> actor,
      FunctionDescriptor method,
      Object[] args,
      String name,
      String concurrencyGroup,
      int backpressure);

  /**
   * Looks up a live named actor.
   *
   * @param name the name
   * @param namespace the namespace, or null for this process's
   * @return its handle, or empty
   */
  Optional<ActorHandle<?>> actorByName(String name, String namespace);

  /**
   * Kills an actor.
   *
   * @param actor the actor
   * @param noRestart true to end it for good
   */
  void killActor(ActorHandle<?> actor, boolean noRestart);

  /** Ends the actor whose method calls this, for good; does not return. */
  void exitActor();

  /**
   * Asks the cluster to reserve a placement group; returns at once.
   *
   * @param name the name, or empty for none
   * @param bundles the validated bundles (amounts of 0 are left out of the reservation)
   * @param strategy how to spread the bundles
   * @return the group as created (pending)
   * @throws IllegalArgumentException if the cluster refuses the request (e.g. the name is taken)
   */
  PlacementGroupSnapshot createPlacementGroup(
      String name, List<Map<String, Double>> bundles, PlacementStrategy strategy);

  /**
   * Removes a placement group; idempotent.
   *
   * @param id the group's id in hex
   */
  void removePlacementGroup(String id);

  /**
   * Finds a placement group by id.
   *
   * @param id the id in hex
   * @return the group now, or empty when the cluster does not know it
   * @throws IllegalArgumentException if the id is not hex
   */
  Optional<PlacementGroupSnapshot> placementGroup(String id);

  /**
   * Finds a placement group by name in this process's namespace.
   *
   * @param name the name
   * @return the group now, or empty when none has that name
   */
  Optional<PlacementGroupSnapshot> placementGroupByName(String name);

  /**
   * Waits at most {@code wait} for a placement group to leave the pending state, and returns it.
   *
   * @param id the id in hex
   * @param wait how long the cluster may hold the request while the group is pending
   * @return the group then, or empty when the cluster does not know it (removed)
   */
  Optional<PlacementGroupSnapshot> awaitPlacementGroup(String id, Duration wait);

  /**
   * Lists the cluster's nodes, alive and dead.
   *
   * @return the nodes, as the GCS has them
   */
  List<dev.prism.NodeInfo> nodes();

  /**
   * Stores a value in the GCS's key-value store, in the caller's namespace.
   *
   * @param key the key
   * @param value the value
   */
  void kvPut(String key, byte[] value);

  /**
   * Reads a value from the GCS's key-value store.
   *
   * @param key the key
   * @return the value, or empty
   */
  Optional<byte[]> kvGet(String key);

  /**
   * Deletes a key of the GCS's key-value store.
   *
   * @param key the key
   * @return whether it had a value
   */
  boolean kvDelete(String key);

  /**
   * Lists keys of the GCS's key-value store.
   *
   * @param prefix the prefix they start with
   * @return the keys, sorted
   */
  List<String> kvKeys(String prefix);

  /**
   * The job the calling code runs in, for the {@code job_id} label of metrics: that of the task or
   * actor call it runs in, else this driver's. Works (answering empty) when not initialized.
   *
   * @return the job id in hex, or empty
   */
  String callerJobId();

  /**
   * Starts sending the metrics of {@link MetricRegistry} to this process's node, about every second
   * and once more when the runtime shuts down. Called once, when the first metric is defined; works
   * when not initialized (sending starts with the runtime).
   */
  void startMetricsExport();
}
