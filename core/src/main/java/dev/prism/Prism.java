package dev.prism;

import dev.prism.runtime.spi.PrismRuntime;
import dev.prism.runtime.spi.Runtimes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The entry point of Prism: start or join a cluster, run remote tasks, and put and get objects.
 *
 * <pre>{@code
 * Prism.init();                                        // an embedded local cluster
 * ObjectRef<int[]> a = Prism.task(Arrays::readArray, "a.bin").remote();
 * ObjectRef<int[]> b = Prism.task(Arrays::readArray, "b.bin").remote();
 * ObjectRef<int[]> sum = Prism.task(Arrays::add, a, b).remote();  // refs as arguments
 * int[] result = Prism.get(sum);
 * Prism.shutdown();
 * }</pre>
 *
 * <p>{@code Prism.task(...)} takes a method reference to a static method and its arguments (values,
 * or refs to values of the parameter's type) and returns a {@link TaskCaller}; its {@code remote()}
 * submits the task and returns a {@link ObjectRef} at once. All methods are thread-safe. Inside a
 * task, the same API submits nested tasks.
 */
public final class Prism extends PrismCalls {

  private Prism() {}

  /**
   * Starts an embedded local cluster sized to this machine (or joins the cluster named by the
   * {@code PRISM_ADDRESS} environment variable).
   *
   * @throws PrismException if Prism is already initialized or the cluster cannot start
   */
  public static void init() {
    init(PrismConfig.builder().build());
  }

  /**
   * Joins the running cluster whose head (GCS) listens at {@code address}, as {@code
   * ray.init(address)} does; the same as {@code
   * init(PrismConfig.builder().address(address).build())}. A {@link LocalCluster}'s {@link
   * LocalCluster#address()} is such an address.
   *
   * @param address {@code host:port} of the cluster's GCS
   * @throws NullPointerException if {@code address} is null
   * @throws IllegalArgumentException if {@code address} is not {@code host:port}
   * @throws PrismException if Prism is already initialized, the cluster cannot be reached, or it
   *     refuses this driver's token
   */
  public static void init(String address) {
    Objects.requireNonNull(address, "address");
    init(PrismConfig.builder().address(address).build());
  }

  /**
   * Starts or joins a cluster as configured.
   *
   * <p>An embedded cluster listens on loopback only and uses a random cluster token that lives in
   * this JVM's memory (its workers get it through their environment). Joining a cluster needs its
   * token: {@code PRISM_CLUSTER_TOKEN} (the token) or {@code PRISM_CLUSTER_TOKEN_FILE} (a copy of
   * the head's {@code cluster_token} file), else the {@code cluster_token} file of this machine's
   * session of that cluster under {@code ${TMPDIR:-/tmp}/prism-$USER}.
   *
   * @param config the configuration
   * @throws PrismException if Prism is already initialized, the cluster cannot start, or the
   *     cluster refuses this driver's token (the message says where to get the right one)
   */
  public static void init(PrismConfig config) {
    Objects.requireNonNull(config, "config");
    Runtimes.get().start(config);
  }

  /**
   * Stops this process's Prism: pending tasks fail, and an embedded cluster stops with every worker
   * process and its shared memory. Does nothing if Prism is not initialized.
   */
  public static void shutdown() {
    Runtimes.get().shutdown();
  }

  /**
   * Whether Prism is initialized in this process (always true inside a task).
   *
   * @return true once {@link #init()} ran and until {@link #shutdown()}
   */
  public static boolean isInitialized() {
    return Runtimes.get().isInitialized();
  }

  /**
   * Stores a value in the cluster. Small values stay in this process; large ones (over 100 KiB) go
   * to the node's shared-memory store, Arrow {@code VectorSchemaRoot}s as Arrow data that any
   * process on the node reads without copying.
   *
   * @param value the value
   * @param <T> its type
   * @return a ref to it, owned by this process
   * @throws PrismSerializationException if the value cannot be serialized (naming its type)
   */
  public static <T> ObjectRef<T> put(T value) {
    return Runtimes.get().put(value);
  }

  /**
   * Waits for an object's value. A {@code VectorSchemaRoot} comes back backed by shared memory,
   * read-only (objects are immutable: writing into its vectors stops this process with SIGSEGV;
   * copy it to change it); close it when done to let the store reuse the memory.
   *
   * @param ref the ref
   * @param <T> the value's type
   * @return the value
   * @throws TaskException if the task that makes it threw (the remote exception is the cause)
   * @throws WorkerCrashedException if its worker died and the task ran out of retries
   */
  public static <T> T get(ObjectRef<T> ref) {
    return Runtimes.get().get(Objects.requireNonNull(ref, "ref"));
  }

  /**
   * Waits at most {@code timeout} for an object's value.
   *
   * @param ref the ref
   * @param timeout how long to wait
   * @param <T> the value's type
   * @return the value
   * @throws GetTimeoutException if it is not ready in time
   */
  public static <T> T get(ObjectRef<T> ref, Duration timeout) {
    Objects.requireNonNull(ref, "ref");
    return Runtimes.get().get(ref, Objects.requireNonNull(timeout, "timeout"));
  }

  /**
   * Waits for every object's value, in order.
   *
   * @param refs the refs
   * @param <T> the values' type
   * @return the values, in the order of the refs
   * @throws NullPointerException if the list or one of its refs is null
   */
  public static <T> List<T> get(List<ObjectRef<T>> refs) {
    checkRefs(refs);
    PrismRuntime runtime = Runtimes.get();
    List<T> out = new ArrayList<>(refs.size());
    for (ObjectRef<T> ref : refs) {
      out.add(runtime.get(ref));
    }
    return out;
  }

  /**
   * Waits at most {@code timeout} in all for every object's value.
   *
   * @param refs the refs
   * @param timeout how long to wait for all of them
   * @param <T> the values' type
   * @return the values, in order
   * @throws GetTimeoutException if they are not all ready in time
   */
  public static <T> List<T> get(List<ObjectRef<T>> refs, Duration timeout) {
    checkRefs(refs);
    Objects.requireNonNull(timeout, "timeout");
    long deadline = System.nanoTime() + timeout.toNanos();
    PrismRuntime runtime = Runtimes.get();
    List<T> out = new ArrayList<>(refs.size());
    for (ObjectRef<T> ref : refs) {
      out.add(runtime.get(ref, Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))));
    }
    return out;
  }

  /**
   * Waits until {@code numReturns} of the objects are ready, or the timeout passes.
   *
   * @param refs the refs
   * @param numReturns how many must be ready (1 to {@code refs.size()})
   * @param timeout how long to wait at most
   * @param <T> the values' type
   * @return the ready refs (at most {@code numReturns}, in the order given) and the rest
   * @throws IllegalArgumentException if {@code numReturns} is out of range
   */
  public static <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns, Duration timeout) {
    checkRefs(refs);
    Objects.requireNonNull(timeout, "timeout");
    if (numReturns < 0 || numReturns > refs.size()) {
      throw new IllegalArgumentException(
          "numReturns is "
              + numReturns
              + " for "
              + refs.size()
              + " refs; give 0 to "
              + refs.size());
    }
    return Runtimes.get().wait(refs, numReturns, timeout);
  }

  /** Refuses a null list of refs or a null ref in it, naming its index. */
  private static void checkRefs(List<? extends ObjectRef<?>> refs) {
    Objects.requireNonNull(refs, "refs");
    int i = 0;
    for (ObjectRef<?> ref : refs) {
      if (ref == null) {
        throw new NullPointerException("refs[" + i + "] (of " + refs.size() + ")");
      }
      i++;
    }
  }

  /**
   * Waits until every object is ready, or the timeout passes.
   *
   * @param refs the refs
   * @param timeout how long to wait at most
   * @param <T> the values' type
   * @return the ready refs and the rest
   */
  public static <T> WaitResult<T> wait(List<ObjectRef<T>> refs, Duration timeout) {
    return wait(refs, Objects.requireNonNull(refs, "refs").size(), timeout);
  }

  /**
   * Cancels the task or actor call that makes {@code ref}: a queued one never runs, a running one
   * is interrupted. Its {@code get} then throws {@link TaskCancelledException}. The tasks and actor
   * calls it submitted that are still pending are cancelled too, and theirs in turn (Ray's default,
   * {@code recursive=True}).
   *
   * @param ref the ref a task submission returned
   * @return whether the task was still pending
   */
  public static boolean cancel(ObjectRef<?> ref) {
    return cancel(ref, false);
  }

  /**
   * Cancels a task; with {@code force} a running task's worker process is killed.
   *
   * <p>A worker runs one task at a time unless tasks in it wait in {@code get}/{@code wait}: then
   * the tasks they wait for may run in the same worker process, on other threads. A task
   * force-cancelled in such a shared worker is first interrupted; only if it is still running a
   * second later is the process killed, and the tasks that shared it then fail as on any worker
   * crash (retried as their {@code maxRetries} allow).
   *
   * @param ref the ref a task submission returned
   * @param force whether to kill the worker running it
   * @return whether the task was still pending
   */
  public static boolean cancel(ObjectRef<?> ref, boolean force) {
    return cancel(ref, force, true);
  }

  /**
   * Cancels a task or actor call, choosing whether to force and whether to cancel what it submitted
   * (Ray's {@code ray.cancel(ref, force=..., recursive=...)}). {@code force} kills the worker
   * running a task (as {@link #cancel(ObjectRef, boolean)}); a running actor call is only
   * interrupted, since its process hosts the actor. With {@code recursive}, the tasks and actor
   * calls the cancelled one submitted that are still pending are cancelled as well, each
   * recursively; without it they run on.
   *
   * @param ref the ref a task or actor call returned
   * @param force whether to kill the worker running a task
   * @param recursive whether to cancel what it submitted too
   * @return whether it was still pending
   */
  public static boolean cancel(ObjectRef<?> ref, boolean force, boolean recursive) {
    return Runtimes.get().cancel(Objects.requireNonNull(ref, "ref"), force, recursive);
  }

  /**
   * Where the calling code runs: job, node, worker, GPUs.
   *
   * @return the context
   */
  public static RuntimeContext runtimeContext() {
    return Runtimes.get().runtimeContext();
  }

  /**
   * Looks up a live named actor in this process's namespace.
   *
   * @param name the actor's name
   * @param <A> the actor's class
   * @return its handle, or empty when no live actor has that name
   * @throws PrismException if Prism is not initialized
   */
  public static <A> Optional<ActorHandle<A>> getActor(String name) {
    return getActor(name, null);
  }

  /**
   * Looks up a live named actor in a namespace.
   *
   * @param name the actor's name
   * @param namespace the namespace, or null for this process's
   * @param <A> the actor's class
   * @return its handle, or empty when no live actor has that name there
   * @throws PrismException if Prism is not initialized
   */
  @SuppressWarnings("unchecked")
  public static <A> Optional<ActorHandle<A>> getActor(String name, String namespace) {
    if (Objects.requireNonNull(name, "name").isBlank()) {
      throw new IllegalArgumentException("the actor name is blank");
    }
    return Runtimes.get().actorByName(name, namespace).map(h -> (ActorHandle<A>) h);
  }

  /**
   * Kills an actor at once, without restarting it: its process is killed, calls in flight and later
   * calls fail with {@link ActorDiedException}.
   *
   * @param actor the actor
   * @throws PrismException if Prism is not initialized or the GCS cannot be reached
   */
  public static void kill(ActorHandle<?> actor) {
    kill(actor, true);
  }

  /**
   * Kills an actor at once.
   *
   * @param actor the actor
   * @param noRestart true to end it for good; false to restart it (running its constructor again)
   *     if it has restarts left
   * @throws PrismException if Prism is not initialized or the GCS cannot be reached
   */
  public static void kill(ActorHandle<?> actor, boolean noRestart) {
    Runtimes.get().killActor(Objects.requireNonNull(actor, "actor"), noRestart);
  }

  /**
   * Ends the actor whose method calls this, for good: it is not restarted, calls still pending on
   * it fail with {@link ActorDiedException}, and its process exits. Does not return.
   *
   * @throws PrismException if called outside an actor
   */
  public static void exitActor() {
    Runtimes.get().exitActor();
  }

  /**
   * Lists the cluster's nodes, alive and dead, with their resources and labels (Ray's {@code
   * ray.nodes()}).
   *
   * @return the nodes
   * @throws PrismException if Prism is not initialized or the GCS cannot be reached
   */
  public static List<NodeInfo> nodes() {
    return Runtimes.get().nodes();
  }
}
