package dev.prism;

import dev.prism.runtime.cli.ClusterTokens;
import dev.prism.runtime.cli.SessionDir;
import dev.prism.runtime.cluster.EmbeddedCluster;
import dev.prism.runtime.gcs.GcsClient;
import dev.prism.runtime.node.NodeConfig;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.runtime.security.SecurityConfigException;
import dev.prism.runtime.worker.CoreWorker;
import dev.prism.runtime.worker.TaskSubmitterDefaults;
import java.nio.file.Files;
import java.nio.file.Path;
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

  private static EmbeddedCluster cluster;

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
  public static synchronized void init(PrismConfig config) {
    Objects.requireNonNull(config, "config");
    if (CoreWorker.currentOrNull() != null) {
      throw new PrismException(
          "Prism is already initialized in this process: call"
              + " Prism.shutdown() before init() again");
    }
    String address = config.address().orElse(System.getenv("PRISM_ADDRESS"));
    if (address != null && !address.isBlank()) {
      connect(address.trim(), config);
      return;
    }
    NodeConfig.Builder node =
        NodeConfig.builder()
            .numCpus(config.numCpus())
            .objectStoreCapacity(config.objectStoreMemory())
            .prestartWorkers(config.prestartWorkers());
    config.numGpus().ifPresent(g -> node.numGpus((int) Math.round(g)));
    config.resources().forEach(node::resource);
    if (!config.workerJvmOptions().isEmpty()) {
      node.workerJvmOptions(config.workerJvmOptions());
    }
    EmbeddedCluster started = EmbeddedCluster.start(node.build());
    try {
      CoreWorker.start(
          new CoreWorker.Settings(
              CoreWorker.Mode.DRIVER,
              null,
              started.nodeId(),
              started.nodeManagerAddress(),
              Path.of(started.storeSocket()),
              "127.0.0.1",
              null,
              List.of(),
              TaskSubmitterDefaults.PIPELINE_DEPTH,
              started.gcsAddress(),
              config.namespace(),
              started.token()));
    } catch (RuntimeException e) {
      started.close();
      throw e;
    }
    cluster = started;
  }

  /**
   * Joins a running cluster as a driver, through a node manager of the cluster on this machine (the
   * driver maps that node's shared-memory store).
   */
  private static void connect(String address, PrismConfig config) {
    Path root = SessionDir.defaultRoot();
    Optional<ClusterTokens.Found> token =
        ClusterTokens.find(Optional.empty(), System.getenv(), root, address);
    List<NodeInfo> nodes;
    try (GcsClient gcs =
        ClusterTokens.connectChecked(
            address, token, root, "this driver's", GcsClient.DEFAULT_RPC_TIMEOUT)) {
      nodes = gcs.getAllNodes();
    } catch (SecurityConfigException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new PrismException(
          "cannot reach the cluster at "
              + address
              + ": "
              + e.getMessage()
              + "; check the address (host:port of the head's GCS) and that the head runs",
          e);
    }
    NodeInfo local = null;
    for (NodeInfo n : nodes) {
      if (n.getAlive() && Files.exists(Path.of(n.getStoreSocket()))) {
        local = n;
        break;
      }
    }
    if (local == null) {
      throw new PrismException(
          "the cluster at "
              + address
              + " has "
              + nodes.size()
              + " node(s), none of them on this machine: a driver joins through a node on its own"
              + " machine; start one here first");
    }
    CoreWorker.start(
        new CoreWorker.Settings(
            CoreWorker.Mode.DRIVER,
            null,
            local.getNodeId(),
            local.getAddress().getHost() + ":" + local.getAddress().getPort(),
            Path.of(local.getStoreSocket()),
            local.getAddress().getHost(),
            null,
            List.of(),
            TaskSubmitterDefaults.PIPELINE_DEPTH,
            address,
            config.namespace(),
            token.orElseThrow(() -> ClusterTokens.missing(root, address)).token()));
  }

  /**
   * Stops this process's Prism: pending tasks fail, and an embedded cluster stops with every worker
   * process and its shared memory. Does nothing if Prism is not initialized.
   */
  public static synchronized void shutdown() {
    CoreWorker worker = CoreWorker.currentOrNull();
    if (worker != null) {
      worker.close();
    }
    if (cluster != null) {
      try {
        cluster.close();
      } finally {
        cluster = null;
      }
    }
  }

  /**
   * Whether Prism is initialized in this process (always true inside a task).
   *
   * @return true once {@link #init()} ran and until {@link #shutdown()}
   */
  public static boolean isInitialized() {
    return CoreWorker.currentOrNull() != null;
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
    return CoreWorker.current().put(value);
  }

  /**
   * Waits for an object's value. A {@code VectorSchemaRoot} comes back backed by shared memory;
   * close it when done to let the store reuse the memory.
   *
   * @param ref the ref
   * @param <T> the value's type
   * @return the value
   * @throws TaskException if the task that makes it threw (the remote exception is the cause)
   * @throws WorkerCrashedException if its worker died and the task ran out of retries
   */
  public static <T> T get(ObjectRef<T> ref) {
    return CoreWorker.asImpl(ref).get();
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
    return CoreWorker.asImpl(ref).get(Objects.requireNonNull(timeout, "timeout"));
  }

  /**
   * Waits for every object's value, in order.
   *
   * @param refs the refs
   * @param <T> the values' type
   * @return the values, in the order of the refs
   * @throws IllegalArgumentException if the list or one of its refs is null
   */
  public static <T> List<T> get(List<ObjectRef<T>> refs) {
    checkRefs(refs);
    List<T> out = new ArrayList<>(refs.size());
    for (ObjectRef<T> ref : refs) {
      out.add(CoreWorker.asImpl(ref).get());
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
    List<T> out = new ArrayList<>(refs.size());
    for (ObjectRef<T> ref : refs) {
      out.add(
          CoreWorker.asImpl(ref).get(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))));
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
    return CoreWorker.current().wait(refs, numReturns, timeout);
  }

  /** Refuses a null list of refs or a null ref in it, naming its index. */
  private static void checkRefs(List<? extends ObjectRef<?>> refs) {
    if (refs == null) {
      throw new IllegalArgumentException("the list of refs is null");
    }
    int i = 0;
    for (ObjectRef<?> ref : refs) {
      if (ref == null) {
        throw new IllegalArgumentException("ref " + i + " of " + refs.size() + " is null");
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
    return wait(refs, refs.size(), timeout);
  }

  /**
   * Cancels the task that makes {@code ref}: a queued task never runs, a running one is
   * interrupted. Its {@code get} then throws {@link TaskCancelledException}.
   *
   * @param ref the ref a task submission returned
   * @return whether the task was still pending
   */
  public static boolean cancel(ObjectRef<?> ref) {
    return CoreWorker.current().cancel(CoreWorker.asImpl(ref), false);
  }

  /**
   * Cancels a task; with {@code force} a running task's worker process is killed.
   *
   * @param ref the ref a task submission returned
   * @param force whether to kill the worker running it
   * @return whether the task was still pending
   */
  public static boolean cancel(ObjectRef<?> ref, boolean force) {
    return CoreWorker.current().cancel(CoreWorker.asImpl(ref), force);
  }

  /**
   * Where the calling code runs: job, node, worker, GPUs.
   *
   * @return the context
   */
  public static RuntimeContext runtimeContext() {
    return CoreWorker.current().runtimeContext();
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
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("the actor name is null or blank");
    }
    return CoreWorker.current().actors().byName(name, namespace).map(h -> (ActorHandle<A>) h);
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
    CoreWorker.current().actors().kill(actor, noRestart);
  }

  /**
   * Ends the actor whose method calls this, for good: it is not restarted, calls still pending on
   * it fail with {@link ActorDiedException}, and its process exits. Does not return.
   *
   * @throws PrismException if called outside an actor
   */
  public static void exitActor() {
    CoreWorker.current().actors().exitActor();
  }
}
