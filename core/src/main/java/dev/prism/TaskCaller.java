package dev.prism;

import dev.prism.runtime.spi.FunctionDescriptor;
import dev.prism.runtime.spi.Runtimes;
import dev.prism.runtime.spi.TaskSettings;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A remote call being prepared: set options, then {@link #remote()} submits it. Made by {@code
 * Prism.task(...)}; not thread-safe, use each caller once.
 *
 * @param <R> the result type ({@link Void} for void methods)
 */
public final class TaskCaller<R> {

  private final FunctionDescriptor function;
  private final Object[] args;
  private final ResourceDemand resources = new ResourceDemand();
  private int maxRetries = 3;
  private boolean retryExceptions;
  private String name;
  private SchedulingStrategy strategy = SchedulingStrategy.defaultStrategy();
  private Map<String, String> labelSelector = Map.of();
  private RuntimeEnv runtimeEnv;
  private int generatorBackpressure = -1;

  TaskCaller(FunctionDescriptor function, Object[] args) {
    this.function = function;
    this.args = args;
    resources.set("CPU", 1.0);
  }

  /**
   * Sets the amount of a resource the task needs (default: 1 CPU). {@code "CPU"}, {@code "GPU"},
   * {@code "memory"} or a custom resource; fractions of a GPU share one device.
   *
   * @param resource the resource's name
   * @param amount how much; 0 removes the demand
   * @return this caller
   * @throws IllegalArgumentException if the amount is negative, not finite, or a fraction above 1
   */
  public TaskCaller<R> setResource(String resource, double amount) {
    resources.set(resource, amount);
    return this;
  }

  /**
   * Sets several resource demands at once (see {@link #setResource(String, double)}).
   *
   * @param amounts resource names and amounts
   * @return this caller
   */
  public TaskCaller<R> setResources(Map<String, Double> amounts) {
    resources.setAll(amounts);
    return this;
  }

  /**
   * Asks for bytes of the {@code memory} resource (Ray's {@code memory=}): only nodes that declare
   * at least that much memory ({@code NodeOptions.Builder#memory}, {@code prism start --memory})
   * run it, and what it holds is subtracted from the node's memory while it runs. Shorthand for
   * {@code setResource("memory", bytes)}; a demand no node can meet is reported infeasible.
   *
   * @param bytes the bytes; 0 removes the demand
   * @return this caller
   * @throws IllegalArgumentException if the byte count is negative or above about 419 TiB
   */
  public TaskCaller<R> setMemory(long bytes) {
    resources.set("memory", LabelSelectors.memory(bytes));
    return this;
  }

  /**
   * Restricts which nodes may run it by their labels (Ray's {@code label_selector}); each entry
   * must hold. A value is {@code "us-west"} (the label equals it), {@code "!A100"} (the label is
   * absent or differs), {@code "in(a,b)"} (one of) or {@code "!in(a,b)"} (absent or none of). Nodes
   * get labels from {@code prism start --labels} (or {@code NodeOptions}), and every node has
   * {@code prism.io/node-id} (its id, as {@link NodeInfo#nodeId()} shows it) and, with GPUs, {@code
   * prism.io/accelerator-type}. A selector no live node matches is reported infeasible until a
   * matching node joins. With node affinity or a placement group, the target node must match too,
   * else it is infeasible.
   *
   * @param selector label keys to constraints; empty for any node (the default)
   * @return this caller
   * @throws IllegalArgumentException naming the entry if a key is blank or holds whitespace, or a
   *     value is empty or malformed (e.g. an unclosed {@code in(})
   * @throws NullPointerException if the map, a key or a value is null
   */
  public TaskCaller<R> setLabelSelector(Map<String, String> selector) {
    this.labelSelector = LabelSelectors.check(selector);
    return this;
  }

  /**
   * Sets how often the task is retried when its worker dies (default 3). With {@link
   * #setRetryExceptions(boolean)} exceptions it throws are retried too.
   *
   * @param retries 0 or more
   * @return this caller
   */
  public TaskCaller<R> setMaxRetries(int retries) {
    if (retries < 0) {
      throw new IllegalArgumentException("max retries is " + retries + "; give 0 or more");
    }
    this.maxRetries = retries;
    return this;
  }

  /**
   * Sets whether an exception the task throws is retried (up to the max retries) like a crash.
   *
   * @param retry true to retry exceptions (default false)
   * @return this caller
   */
  public TaskCaller<R> setRetryExceptions(boolean retry) {
    this.retryExceptions = retry;
    return this;
  }

  /**
   * Runs it in a placement group's bundle: on the bundle's node, with the bundle's resources
   * (shorthand for {@code setSchedulingStrategy(SchedulingStrategy.placementGroup(group, i))}).
   *
   * @param group the group (ready: see {@link PlacementGroup#waitUntilReady})
   * @param bundleIndex the bundle, 0-based, or -1 for any bundle of the group
   * @return this
   * @throws IllegalArgumentException if the index is out of range
   */
  public TaskCaller<R> setPlacementGroup(PlacementGroup group, int bundleIndex) {
    return setSchedulingStrategy(SchedulingStrategy.placementGroup(group, bundleIndex));
  }

  /**
   * Sets where the task should run (default: {@link SchedulingStrategy#defaultStrategy()}).
   *
   * @param strategy spread, node affinity, ...
   * @return this caller
   */
  public TaskCaller<R> setSchedulingStrategy(SchedulingStrategy strategy) {
    this.strategy = Objects.requireNonNull(strategy, "strategy");
    return this;
  }

  /**
   * Names the task in errors and logs (default: the method's name).
   *
   * @param name the name
   * @return this caller
   */
  public TaskCaller<R> setName(String name) {
    this.name = name;
    return this;
  }

  /**
   * Runs the task in a worker JVM of this environment (environment variables, JVM options, extra
   * class path), combined with the submitter's default as {@link RuntimeEnv} describes. Without it
   * the task runs in its submitter's default: the driver's ({@link PrismConfig.Builder#runtimeEnv})
   * or, inside a task or actor, the environment that one runs in. An environment that cannot be set
   * up fails the task with {@link RuntimeEnvSetupException}.
   *
   * @param env the environment
   * @return this caller
   */
  public TaskCaller<R> setRuntimeEnv(RuntimeEnv env) {
    this.runtimeEnv = Objects.requireNonNull(env, "env");
    return this;
  }

  /**
   * Submits the task. Returns at once with the ref of its future result.
   *
   * @return the result's ref, owned by the caller
   * @throws PrismSerializationException if an argument cannot be serialized (naming its type)
   * @throws IllegalArgumentException if an argument's type does not fit its parameter (possible
   *     only through raw types or unchecked casts)
   * @throws PrismException if Prism is not initialized
   * @throws RuntimeEnvSetupException if a class path entry of its runtime environment is gone or
   *     cannot be uploaded to the head
   */
  @SuppressWarnings("unchecked")
  public ObjectRef<R> remote() {
    ArgumentCheck.check(function, args);
    return (ObjectRef<R>) Runtimes.get().submitTask(function, args, settings());
  }

  /**
   * Bounds a streaming generator's values produced but not yet taken by {@link
   * ObjectRefGenerator#next()}: the producer pauses at the bound until the consumer takes more
   * (default -1: no bound, as Ray's default). Used by {@link #remoteGenerator()} only.
   *
   * @param maxUnconsumed -1, or 1 or more
   * @return this caller
   * @throws IllegalArgumentException if it is 0 or below -1
   */
  public TaskCaller<R> setGeneratorBackpressure(int maxUnconsumed) {
    this.generatorBackpressure = ReturnShape.checkBackpressure(maxUnconsumed);
    return this;
  }

  /**
   * Submits the task as a streaming generator (Ray's {@code num_returns="streaming"}): the method
   * returns an {@link java.util.Iterator}, {@link Iterable} or {@link java.util.stream.Stream}, and
   * each value it yields reaches the returned generator as soon as it is produced. See {@link
   * ObjectRefGenerator} for errors, retries and backpressure.
   *
   * @param <T> the type of the values the method yields
   * @return the generator of the values' refs, owned by the caller
   * @throws IllegalArgumentException if the method's declared return type cannot be iterated, or an
   *     argument's type does not fit its parameter
   * @throws PrismSerializationException if an argument cannot be serialized (naming its type)
   * @throws PrismException if Prism is not initialized
   */
  @SuppressWarnings("unchecked")
  public <T> ObjectRefGenerator<T> remoteGenerator() {
    ReturnShape.checkStreaming(function);
    ArgumentCheck.check(function, args);
    return (ObjectRefGenerator<T>)
        Runtimes.get().submitStreamingTask(function, args, settings(), generatorBackpressure);
  }

  /**
   * Submits the task with several results (Ray's {@code num_returns}): the method returns a {@link
   * List} or an array of exactly {@code numReturns} elements, and each element becomes an object of
   * its own, with its own ref, freed and rebuilt from lineage on its own. If the method throws, or
   * returns another number of elements, every ref's {@code get} throws the error.
   *
   * @param numReturns how many elements the method returns, 2 or more
   * @param <T> the type of the elements
   * @return one ref per element, in order, owned by the caller
   * @throws IllegalArgumentException if {@code numReturns} is below 2, the method's declared return
   *     type is neither a list nor an array, or an argument's type does not fit its parameter
   * @throws PrismSerializationException if an argument cannot be serialized (naming its type)
   * @throws PrismException if Prism is not initialized
   */
  @SuppressWarnings("unchecked")
  public <T> List<ObjectRef<T>> remoteMultiple(int numReturns) {
    ReturnShape.checkMultiple(function, numReturns);
    ArgumentCheck.check(function, args);
    return (List<ObjectRef<T>>)
        (List<?>) Runtimes.get().submitTask(function, args, settings(), numReturns);
  }

  private TaskSettings settings() {
    return new TaskSettings(
        resources.amounts(),
        maxRetries,
        retryExceptions,
        name,
        strategy.placement(),
        labelSelector,
        runtimeEnv);
  }
}
