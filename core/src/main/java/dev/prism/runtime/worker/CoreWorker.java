package dev.prism.runtime.worker;

import com.google.protobuf.ByteString;
import dev.prism.ObjectRef;
import dev.prism.PrismException;
import dev.prism.RuntimeContext;
import dev.prism.WaitResult;
import dev.prism.runtime.function.FunctionInvoker;
import dev.prism.runtime.net.Rpc;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.CancelTaskRequest;
import dev.prism.runtime.rpc.CoreWorkerServiceGrpc;
import dev.prism.runtime.rpc.GcsServiceGrpc;
import dev.prism.runtime.rpc.MarkJobFinishedRequest;
import dev.prism.runtime.rpc.NodeManagerServiceGrpc;
import dev.prism.runtime.rpc.ObjectRefProto;
import dev.prism.runtime.rpc.RegisterJobRequest;
import dev.prism.runtime.rpc.ReturnObject;
import dev.prism.runtime.rpc.TaskSpec;
import dev.prism.runtime.rpc.ValueFormat;
import dev.prism.runtime.security.ClusterToken;
import dev.prism.runtime.serialization.ObjectSerializer;
import dev.prism.runtime.spi.FunctionDescriptor;
import dev.prism.store.ObjectId;
import dev.prism.store.StoreClient;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime inside every Prism process — the driver and each worker: it owns the objects the
 * process creates (its memory store and reference counts), submits tasks, serves its objects to
 * borrowers, and in a worker executes the tasks pushed to it. One per process; reach it through
 * {@link #current()}.
 */
public final class CoreWorker implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CoreWorker.class);
  private static final HexFormat HEX = HexFormat.of();
  private static volatile CoreWorker current;

  /** Which kind of process this is. */
  public enum Mode {
    /** The user's program. */
    DRIVER,
    /** A worker process started by a node manager. */
    WORKER
  }

  /**
   * What a core worker needs to start.
   *
   * @param mode driver or worker
   * @param workerId this process's worker id (16 hex digits), or null for a fresh one
   * @param nodeId the id of the node it runs on
   * @param nodeManager {@code host:port} of the node's node manager
   * @param storeSocket the node's object store socket
   * @param bindHost the host this process's RPC server listens on and is reached at
   * @param jobId the job id (hex) for a driver, or null for a worker
   * @param gpuIds the GPU ids assigned to this process
   * @param tuning the task and actor paths' knobs (pipeline depth, lease linger and hold, actor
   *     polls)
   * @param gcsAddress {@code host:port} of the cluster's GCS, or null when there is none (then
   *     actors cannot be used)
   * @param namespace the namespace of named actors this process creates and looks up
   * @param token the cluster token: this process's server requires it and its calls carry it
   */
  public record Settings(
      Mode mode,
      String workerId,
      String nodeId,
      String nodeManager,
      Path storeSocket,
      String bindHost,
      String jobId,
      List<Integer> gpuIds,
      WorkerTuning tuning,
      String gcsAddress,
      String namespace,
      ClusterToken token) {

    /**
     * Checks the settings.
     *
     * @throws NullPointerException if the tuning is null
     */
    public Settings {
      java.util.Objects.requireNonNull(tuning, "tuning");
    }

    /**
     * Settings with the other knobs from {@link WorkerTuning#defaults()}.
     *
     * @param mode driver or worker
     * @param workerId this process's worker id, or null for a fresh one
     * @param nodeId the id of the node it runs on
     * @param nodeManager {@code host:port} of the node's node manager
     * @param storeSocket the node's object store socket
     * @param bindHost the host this process's RPC server listens on
     * @param jobId the job id (hex) for a driver, or null for a worker
     * @param gpuIds the GPU ids assigned to this process
     * @param pipelineDepth how many tasks a submitter pushes to one worker ahead of replies
     * @param gcsAddress {@code host:port} of the GCS, or null
     * @param namespace the namespace of named actors
     * @param token the cluster token
     */
    public Settings(
        Mode mode,
        String workerId,
        String nodeId,
        String nodeManager,
        Path storeSocket,
        String bindHost,
        String jobId,
        List<Integer> gpuIds,
        int pipelineDepth,
        String gcsAddress,
        String namespace,
        ClusterToken token) {
      this(
          mode,
          workerId,
          nodeId,
          nodeManager,
          storeSocket,
          bindHost,
          jobId,
          gpuIds,
          WorkerTuning.defaults().withPipelineDepth(pipelineDepth),
          gcsAddress,
          namespace,
          token);
    }

    /**
     * Settings with this process's default token ({@link ClusterToken#processDefault()}) and the
     * other knobs from {@link WorkerTuning#defaults()}.
     *
     * @param mode driver or worker
     * @param workerId this process's worker id, or null for a fresh one
     * @param nodeId the id of the node it runs on
     * @param nodeManager {@code host:port} of the node's node manager
     * @param storeSocket the node's object store socket
     * @param bindHost the host this process's RPC server listens on
     * @param jobId the job id (hex) for a driver, or null for a worker
     * @param gpuIds the GPU ids assigned to this process
     * @param pipelineDepth how many tasks a submitter pushes to one worker ahead of replies
     * @param gcsAddress {@code host:port} of the GCS, or null
     * @param namespace the namespace of named actors
     */
    public Settings(
        Mode mode,
        String workerId,
        String nodeId,
        String nodeManager,
        Path storeSocket,
        String bindHost,
        String jobId,
        List<Integer> gpuIds,
        int pipelineDepth,
        String gcsAddress,
        String namespace) {
      this(
          mode,
          workerId,
          nodeId,
          nodeManager,
          storeSocket,
          bindHost,
          jobId,
          gpuIds,
          pipelineDepth,
          gcsAddress,
          namespace,
          ClusterToken.processDefault());
    }

    /**
     * How many tasks a submitter pushes to one worker ahead of replies.
     *
     * @return the tuning's pipeline depth
     */
    public int pipelineDepth() {
      return tuning.pipelineDepth();
    }
  }

  private final Mode mode;
  private final String workerId;
  private final long workerLong;
  private final String nodeId;
  private final String bindHost;
  private ByteString jobId;
  private final String namespace;
  private final ClassLoader loader;
  private final String gcsAddress;
  private final ManagedChannel gcsChannel;
  private final ActorSubmitter actors;
  private boolean jobRegistered;
  private final List<Integer> gpuIds;
  private final ObjectSerializer serializer;
  private final ValueCodec codec;
  private final ReferenceCounter references;
  private final MemoryStore memory = new MemoryStore();
  private final ObjectRefImpl.Session refSession = new RefSession();
  private final TaskSubmitter submitter;
  private final FunctionInvoker invoker;
  private final Channels channels;
  private final ClusterToken token;
  private final Results results;
  private final ScheduledExecutorService timer;
  private final ExecutorService releaser;
  private final BorrowNotifier borrowNotifier;
  private final TaskEvents taskEvents;
  private final RuntimeEnvs runtimeEnvs;
  private final AtomicLong sequence = new AtomicLong();
  private final ThreadLocal<TaskSpec> runningTask = new ThreadLocal<>();

  /** The lease the running thread's task came on (empty for actor calls and outside tasks). */
  private final ThreadLocal<ByteString> runningLease = new ThreadLocal<>();

  private final StoreClient store;
  private final ManagedChannel nodeManagerChannel;
  private final NodeManagerServiceGrpc.NodeManagerServiceStub nodeManager;
  private final NodeManagerNotices notices;
  private final ObjectReader reader;
  private final StoredCopies copies;
  private TaskExecutor executor;
  private Server server;
  private Address address;
  private volatile boolean shutdown;

  private CoreWorker(Settings s) {
    this.mode = s.mode();
    this.token = java.util.Objects.requireNonNull(s.token(), "token");
    this.channels = new Channels(token);
    this.workerLong =
        s.workerId() != null
            ? Long.parseUnsignedLong(s.workerId(), 16)
            : ThreadLocalRandom.current().nextLong();
    this.workerId = String.format("%016x", workerLong);
    this.nodeId = s.nodeId();
    this.bindHost = s.bindHost();
    this.jobId =
        s.jobId() == null ? ByteString.EMPTY : ByteString.copyFrom(HEX.parseHex(s.jobId()));
    this.namespace = s.namespace() == null || s.namespace().isBlank() ? "default" : s.namespace();
    this.gpuIds = List.copyOf(s.gpuIds());
    ClassLoader loader =
        Thread.currentThread().getContextClassLoader() != null
            ? Thread.currentThread().getContextClassLoader()
            : CoreWorker.class.getClassLoader();
    this.serializer = new ObjectSerializer(loader);
    this.loader = loader;
    this.serializer.registerSerializer(
        ObjectRefImpl.class, resolver -> new ObjectRefSerializer(resolver, refSession));
    this.serializer.registerSerializer(
        ActorHandleImpl.class,
        resolver ->
            new ActorHandleSerializer(
                resolver, (actor, noRestart) -> actors().kill(actor, noRestart), refSession));
    this.codec = new ValueCodec(serializer, this::registerBorrows);
    this.invoker = new FunctionInvoker(loader);
    this.references = new ReferenceCounter(workerId, new Releases());
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, daemon("prism-timer"));
    t.setRemoveOnCancelPolicy(true);
    this.timer = t;
    ProcessHost processHost = new ProcessHost();
    this.submitter = new TaskSubmitter(processHost, memory, references, codec, timer, s.tuning());
    this.releaser = Executors.newSingleThreadExecutor(daemon("prism-releaser"));
    this.borrowNotifier = new BorrowNotifier(new BorrowHost(), timer);
    this.store = StoreClient.connect(s.storeSocket());
    this.nodeManagerChannel = channels.to(s.nodeManager());
    this.nodeManager = NodeManagerServiceGrpc.newStub(nodeManagerChannel);
    this.notices =
        new NodeManagerNotices(
            new NodeManagerNotices.Host() {
              @Override
              public String workerId() {
                return workerId;
              }

              @Override
              public boolean isRunningTaskInWorker() {
                return CoreWorker.this.isRunningTaskInWorker();
              }

              @Override
              public ByteString currentLeaseId() {
                return CoreWorker.this.currentLeaseId();
              }

              @Override
              public int ownedCount() {
                return references.ownedCount();
              }
            },
            nodeManagerChannel,
            timer);
    this.reader =
        new ObjectReader(
            new ReaderHost(),
            memory,
            references,
            borrowNotifier,
            codec,
            store,
            new RemoteObjects(nodeId, nodeManagerChannel));
    this.copies = new StoredCopies(store, nodeId, releaser);
    this.results =
        new Results(this, memory, references, copies, codec, store, borrowNotifier, releaser);
    this.gcsAddress = s.gcsAddress() == null || s.gcsAddress().isBlank() ? null : s.gcsAddress();
    this.gcsChannel = gcsAddress == null ? null : channels.to(gcsAddress);
    this.taskEvents = new TaskEvents(gcsChannel, nodeId, workerId);
    this.runtimeEnvs = new RuntimeEnvs(gcsAddress, token);
    this.actors =
        gcsChannel == null
            ? null
            : new ActorSubmitter(
                processHost,
                submitter,
                memory,
                references,
                codec,
                timer,
                gcsChannel,
                gcsAddress,
                s.tuning().actorPoll());
  }

  /**
   * Starts this process's core worker: its RPC server, its store connection, and (in a worker) its
   * task executor. Becomes {@link #current()}.
   *
   * @param settings what it needs
   * @return the running core worker
   * @throws PrismException if one is already running in this process or the server cannot start
   */
  public static synchronized CoreWorker start(Settings settings) {
    if (current != null) {
      throw new PrismException(
          "Prism is already initialized in this process: call" + " Prism.shutdown() first");
    }
    CoreWorker w = new CoreWorker(settings);
    try {
      current = w;
      if (w.mode == Mode.WORKER) {
        w.executor = new TaskExecutor(w, w.invoker);
      }
      w.server =
          Rpc.server(
                  settings.bindHost(),
                  0,
                  w.token,
                  (w.mode == Mode.DRIVER ? "driver " : "worker ") + w.workerId)
              .directExecutor()
              .maxInboundMessageSize(Rpc.UNLIMITED)
              .addService(new Service(w))
              .build()
              .start();
      if (w.mode == Mode.WORKER) {
        w.timer.scheduleWithFixedDelay(w.notices::reportOwnership, 500, 500, TimeUnit.MILLISECONDS);
      }
      w.address =
          Address.newBuilder()
              .setHost(settings.bindHost())
              .setPort(w.server.getPort())
              .setNodeId(settings.nodeId())
              .setWorkerId(w.workerId)
              .build();
      if (w.mode == Mode.DRIVER && settings.jobId() == null && w.gcsChannel != null) {
        w.jobId =
            GcsServiceGrpc.newBlockingStub(w.gcsChannel)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .registerJob(RegisterJobRequest.newBuilder().setDriver(w.address).build())
                .getJobId();
        w.jobRegistered = true;
      }
      return w;
    } catch (IOException | RuntimeException e) {
      current = null;
      w.close();
      throw new PrismException("cannot start the core worker: " + e.getMessage(), e);
    }
  }

  /**
   * The core worker of this process.
   *
   * @return it
   * @throws PrismException if Prism is not initialized here
   */
  public static CoreWorker current() {
    CoreWorker w = current;
    if (w == null) {
      throw new PrismException("Prism is not initialized: call Prism.init() first");
    }
    return w;
  }

  /**
   * The core worker of this process, or null.
   *
   * @return it or null
   */
  public static CoreWorker currentOrNull() {
    return current;
  }

  // ------------------------------------------------------------------ public operations

  /**
   * Stores a value as an object this process owns.
   *
   * @param value the value (Arrow roots and large arrays go to shared memory as themselves)
   * @param <T> its type
   * @return a ref to it
   */
  @SuppressWarnings("unchecked")
  public <T> ObjectRef<T> put(T value) {
    checkAlive();
    if (value instanceof ObjectRef<?>) {
      throw new PrismException(
          "put was given an ObjectRef: a ref is already an object; pass"
              + " it as it is, or put a value that contains it (e.g. List.of(ref))");
    }
    return (ObjectRef<T>) putEncoded(codec.encode(value));
  }

  ObjectRefImpl<?> putEncoded(ValueCodec.Encoded encoded) {
    return results.put(encoded);
  }

  /**
   * Submits a task.
   *
   * @param function the static method to run
   * @param args its arguments: values or refs
   * @param options resources, retries, name
   * @return the ref of its result, owned by this process
   */
  public ObjectRefImpl<?> submitTask(
      FunctionDescriptor function, Object[] args, TaskOptions options) {
    return submitter.submit(function, args, options);
  }

  /**
   * Submits a task with several results or as a streaming generator.
   *
   * @param function the static method to run
   * @param args its arguments: values or refs
   * @param options resources, retries, name
   * @param returns several results, or a generator
   * @return the list of its results' refs, or its generator
   */
  public Object submitTask(
      FunctionDescriptor function, Object[] args, TaskOptions options, Returns returns) {
    return submitter.submit(function, args, options, returns);
  }

  /**
   * Waits for an object's value.
   *
   * @param ref the ref
   * @param timeout how long to wait, or null for no limit
   * @param <T> the value's type
   * @return the value
   */
  public <T> T get(ObjectRefImpl<T> ref, Duration timeout) {
    return reader.get(ref, timeout);
  }

  /**
   * Waits until {@code numReturns} of the objects are ready or the timeout passes.
   *
   * @param refs the refs, in order
   * @param numReturns how many must be ready
   * @param timeout how long to wait at most
   * @param <T> the values' type
   * @return the ready refs (at most {@code numReturns}, in the order given) and the rest
   */
  public <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns, Duration timeout) {
    return reader.wait(refs, numReturns, timeout);
  }

  /**
   * Cancels the task that makes an object.
   *
   * @param ref the task's result ref
   * @param force whether to end the worker running it
   * @return whether a pending task was found
   */
  public boolean cancel(ObjectRefImpl<?> ref, boolean force) {
    return cancel(ref, force, true);
  }

  /**
   * Cancels the tasks and actor calls that the task or call {@code parentTaskId} submitted and that
   * are still pending, each recursively (a cancel of the parent with {@code recursive}).
   *
   * @param parentTaskId the cancelled task
   * @param force whether to kill the workers running them
   */
  void cancelChildren(ByteString parentTaskId, boolean force) {
    submitter.cancelChildren(parentTaskId, force);
  }

  /**
   * Cancels the task or actor call that makes a ref.
   *
   * @param ref the ref a submission of this process returned
   * @param force whether to kill the worker running a task
   * @param recursive whether to cancel what it submitted too
   * @return whether it was still pending
   */
  public boolean cancel(ObjectRefImpl<?> ref, boolean force, boolean recursive) {
    if (!owns(ref)) {
      throw new PrismException(
          "cancel needs the ref of a task this process submitted; "
              + ref
              + " is owned by another process");
    }
    return submitter.cancel(ref.objectId(), force, recursive);
  }

  /**
   * Where the calling code runs.
   *
   * @return the context
   */
  public RuntimeContext runtimeContext() {
    String job = HEX.formatHex(currentJobId().toByteArray());
    HostedActor actor = executor == null ? null : executor.actor();
    return new RuntimeContext(
        job,
        nodeId,
        bindHost,
        workerId,
        gpuIds,
        mode == Mode.DRIVER,
        actor == null
            ? java.util.Optional.empty()
            : java.util.Optional.of(HEX.formatHex(actor.actorId.toByteArray())));
  }

  // ------------------------------------------------------------------------------- actors

  /**
   * Returns the channel to the cluster's GCS (placement groups and other cluster tables).
   *
   * @return the channel
   * @throws dev.prism.PrismException when this process runs without a GCS
   */
  public io.grpc.ManagedChannel gcsChannel() {
    if (gcsChannel == null) {
      throw new dev.prism.PrismException(
          "this process has no GCS: placement groups need a"
              + " cluster (Prism.init() starts one)");
    }
    return gcsChannel;
  }

  /**
   * Returns this driver's job id (empty for a worker).
   *
   * @return the id
   */
  public ByteString jobId() {
    return jobId;
  }

  /**
   * This process's runtime environments: its default, and the resolution of a task's or actor's.
   *
   * @return them
   */
  public RuntimeEnvs runtimeEnvs() {
    return runtimeEnvs;
  }

  /**
   * This process's side of actors: creating them, calling them, looking them up, killing them.
   *
   * @return it
   * @throws PrismException if Prism was shut down, or the cluster has no GCS
   */
  public ActorSubmitter actors() {
    return actorSubmitter();
  }

  /**
   * The namespace of named actors for the calling code: that of the task or actor call it runs in,
   * else this process's.
   *
   * @return the namespace
   */
  public String namespace() {
    TaskSpec task = runningTask.get();
    if (task != null && !task.getNamespace().isEmpty()) {
      return task.getNamespace();
    }
    HostedActor actor = executor == null ? null : executor.actor();
    return actor != null ? actor.namespace : namespace;
  }

  ByteString currentJobId() {
    TaskSpec task = runningTask.get();
    if (task != null && !task.getJobId().isEmpty()) {
      return task.getJobId();
    }
    return jobId.isEmpty() ? lastJobId : jobId;
  }

  /**
   * The job the calling code runs in (that of its task or actor call, else this process's), in hex;
   * empty for none. Cached per job: metrics ask on every value they record.
   *
   * @return the id
   */
  public String callerJobHex() {
    ByteString job = currentJobId();
    if (job.isEmpty()) {
      return "";
    }
    String hex = jobHex.get(job);
    if (hex == null) {
      hex = HEX.formatHex(job.toByteArray());
      if (jobHex.size() < 1024) {
        jobHex.put(job, hex);
      }
    }
    return hex;
  }

  private final java.util.Map<ByteString, String> jobHex =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Sends this process's recorded metrics to its node manager.
   *
   * @param request what was recorded
   * @param timeout the deadline
   * @return the node's answer
   * @throws io.grpc.StatusRuntimeException when the node cannot be reached
   */
  public dev.prism.runtime.rpc.ReportMetricsReply reportMetrics(
      dev.prism.runtime.rpc.ReportMetricsRequest request, Duration timeout) {
    return NodeManagerServiceGrpc.newBlockingStub(nodeManagerChannel)
        .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
        .reportMetrics(request);
  }

  HostedActor hostedActor() {
    return executor == null ? null : executor.actor();
  }

  /** Rebuilds a lost result this process owns from lineage; false if it cannot. */
  boolean reconstruct(ObjectId id, String lostNodeId) {
    return submitter.reconstruct(id, lostNodeId);
  }

  ActorSubmitter actorSubmitter() {
    checkAlive();
    if (actors == null) {
      throw new PrismException(
          "actors need the cluster's GCS, and this process was started"
              + " without one (no GCS address)");
    }
    return actors;
  }

  /**
   * This process's RPC address.
   *
   * @return the address
   */
  public Address address() {
    return address;
  }

  /**
   * This process's worker id (16 hex digits).
   *
   * @return the id
   */
  public String workerId() {
    return workerId;
  }

  /**
   * The node this process runs on.
   *
   * @return the node id
   */
  public String nodeId() {
    return nodeId;
  }

  /**
   * Tells this worker to stop after it was asked to exit; the caller then ends the process.
   *
   * @return a future completed when an exit is requested
   */
  public CompletableFuture<String> exitRequested() {
    return exitRequested;
  }

  private final CompletableFuture<String> exitRequested = new CompletableFuture<>();

  /**
   * Whether a native address lies inside this node's shared-memory store mapping (how tests and
   * benchmarks prove that Arrow data was read without a copy).
   *
   * @param address a native memory address
   * @return whether it is inside the mapping
   */
  public boolean isInSharedMemory(long address) {
    return store.isInMapping(address);
  }

  /**
   * The node's shared-memory file that this process maps.
   *
   * @return its path
   */
  public Path storeShmPath() {
    return store.shmPath();
  }

  /**
   * Bytes the node's store holds for objects, in memory or spilled to disk.
   *
   * @return the bytes in use
   */
  public long storeBytesInUse() {
    var stats = store.stats();
    return stats.usedBytes() + stats.spilledBytes();
  }

  /**
   * How many objects this process tracks references for (owned and borrowed).
   *
   * @return the count
   */
  public int trackedObjects() {
    return references.size();
  }

  // ------------------------------------------------------------------ internals

  void checkAlive() {
    if (shutdown) {
      throw new PrismException("Prism was shut down: call Prism.init() again to use it");
    }
  }

  boolean isShutdown() {
    return shutdown;
  }

  long workerLong() {
    return workerLong;
  }

  long nextSequence() {
    return sequence.incrementAndGet();
  }

  ReferenceCounter references() {
    return references;
  }

  MemoryStore memory() {
    return memory;
  }

  ScheduledExecutorService timer() {
    return timer;
  }

  ValueCodec codec() {
    return codec;
  }

  boolean owns(ObjectRefImpl<?> ref) {
    return ref.owner().getWorkerId().equals(workerId);
  }

  /** The calling thread starts to wait inside a task: lend its CPU (see NodeManagerNotices). */
  boolean enterBlocking() {
    if (executor != null && isRunningTaskInWorker()) {
      executor.taskWaits();
    }
    return notices.enterBlocking();
  }

  ObjectRefImpl<?> newOwnedRef(ObjectId id) {
    return new ObjectRefImpl<>(refSession, id, address);
  }

  void enterTask(TaskSpec spec) {
    enterTask(spec, ByteString.EMPTY);
  }

  /** The running thread runs {@code spec}, pushed on lease {@code leaseId} (empty: an actor's). */
  void enterTask(TaskSpec spec, ByteString leaseId) {
    runningTask.set(spec);
    runningLease.set(leaseId);
    if (!spec.getJobId().isEmpty()) {
      lastJobId = spec.getJobId();
    }
  }

  /** The job of the last task this worker ran: for code on threads the user started. */
  private volatile ByteString lastJobId = ByteString.EMPTY;

  void exitTask() {
    runningTask.remove();
    runningLease.remove();
  }

  StoredValue errorValue(TaskError error) {
    return StoredValue.inline(ValueFormat.ERROR, codec.encodeError(error), List.of());
  }

  /** Gets the value of a task argument passed by reference (no timeout: the task waits). */
  Object getForArgument(ObjectRefProto proto) {
    return reader.getForArgument(proto);
  }

  /** The lease of the task the calling thread runs; empty for an actor's calls or none. */
  ByteString currentLeaseId() {
    ByteString id = runningLease.get();
    return id == null ? ByteString.EMPTY : id;
  }

  boolean isRunningTaskInWorker() {
    return mode == Mode.WORKER && runningTask.get() != null;
  }

  /**
   * A count that grows with this process's reference activity on any thread: while it grows the
   * process is not idle, whatever its task queue says.
   */
  long referenceActivity() {
    return references.createdCount();
  }

  /**
   * Called by an idle worker: the handles its tasks dropped are released only when the garbage
   * collector finds them unreachable, and an idle JVM does not collect on its own, so owners would
   * keep objects this worker borrowed, and this worker would keep (and stay alive for) objects it
   * owns, forever. Collect while any are tracked, when {@link IdleCollection} says so.
   */
  void collectIdleBorrows() {
    if (references.borrowedCount() > 0 || references.ownedCount() > 0) {
      System.gc();
    }
  }

  // --- what other parts of this package use ---

  void discardValue(ObjectId id, StoredValue value) {
    results.discardValue(id, value);
  }

  ReturnObject storeReturn(ObjectId returnId, Object result, Address caller) {
    return results.storeReturn(returnId, result, caller);
  }

  void registerBorrows(List<ObjectRefImpl<?>> refs) {
    results.registerBorrows(refs);
  }

  void cancelRemote(Address worker, ByteString taskId, boolean force, boolean recursive) {
    CancelTaskRequest request =
        CancelTaskRequest.newBuilder()
            .setTaskId(taskId)
            .setForce(force)
            .setRecursive(recursive)
            .build();
    // A recursive cancel sends its children's cancels while it handles its own: outside the
    // handler's gRPC context, which is cancelled (and with it any call made in it) once the
    // handler has answered.
    io.grpc.Context.ROOT.run(
        () ->
            CoreWorkerServiceGrpc.newStub(channels.to(worker))
                .cancelTask(request, BorrowNotifier.ignoring("cancel")));
  }

  /**
   * The runtime's view of a ref given by a user.
   *
   * @param ref a ref Prism returned
   * @param <T> the value's type
   * @return the same ref
   * @throws PrismException if it is null or not one of Prism's refs
   */
  public static <T> ObjectRefImpl<T> asImpl(ObjectRef<T> ref) {
    if (ref instanceof ObjectRefImpl<T> impl) {
      return impl;
    }
    throw new PrismException(
        ref == null
            ? "the ObjectRef is null"
            : "unknown ObjectRef implementation "
                + ref.getClass().getName()
                + ": use refs that Prism returned");
  }

  TaskEvents taskEvents() {
    return taskEvents;
  }

  TaskExecutor executor() {
    return executor;
  }

  void requestExit(String reason) {
    exitRequested.complete(reason);
  }

  /** Stops this core worker: pending tasks fail, connections close. Idempotent. */
  @Override
  public void close() {
    synchronized (CoreWorker.class) {
      if (shutdown) {
        return;
      }
      shutdown = true;
      if (current == this) {
        current = null;
      }
    }
    // What the code recorded last reaches the node before the connection to it closes.
    dev.prism.runtime.metrics.MetricsExporter.flushAtClose(this);
    if (actors != null) {
      actors.close();
    }
    submitter.failAll("Prism was shut down before the task finished");
    if (jobRegistered) {
      try {
        GcsServiceGrpc.newBlockingStub(gcsChannel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .markJobFinished(MarkJobFinishedRequest.newBuilder().setJobId(jobId).build());
      } catch (RuntimeException e) {
        LOG.debug(
            "could not tell the GCS that job {} finished: {}",
            HEX.formatHex(jobId.toByteArray()),
            e.toString());
      }
    }
    if (executor != null) {
      executor.stop();
    }
    taskEvents.close();
    if (server != null) {
      server.shutdownNow();
    }
    borrowNotifier.close();
    timer.shutdownNow();
    releaser.shutdown();
    try {
      releaser.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    channels.closeAll();
    nodeManagerChannel.shutdownNow();
    try {
      store.close();
    } catch (RuntimeException e) {
      LOG.debug("closing the store client", e);
    }
    exitRequested.complete("shut down");
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** This process as the task and actor submitters see it. */
  private final class ProcessHost implements TaskSubmitter.Host, ActorSubmitter.Host {
    @Override
    public TaskEvents taskEvents() {
      return taskEvents;
    }

    @Override
    public void checkAlive() {
      CoreWorker.this.checkAlive();
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public long workerLong() {
      return workerLong;
    }

    @Override
    public long nextSequence() {
      return CoreWorker.this.nextSequence();
    }

    @Override
    public String workerId() {
      return workerId;
    }

    @Override
    public Address address() {
      return address;
    }

    @Override
    public ByteString currentJobId() {
      return CoreWorker.this.currentJobId();
    }

    @Override
    public String namespace() {
      return CoreWorker.this.namespace();
    }

    @Override
    public ClassLoader classLoader() {
      return loader;
    }

    @Override
    public ObjectRefImpl<?> newOwnedRef(ObjectId id) {
      return CoreWorker.this.newOwnedRef(id);
    }

    @Override
    public ObjectRefImpl<?> putEncoded(ValueCodec.Encoded encoded) {
      return CoreWorker.this.putEncoded(encoded);
    }

    @Override
    public void recordResult(ObjectId id, StoredValue value) {
      results.recordResult(id, value);
    }

    @Override
    public void discardReply(ObjectId id, StoredValue value) {
      results.discardReply(id, value);
    }

    @Override
    public HostedActor hostedActor() {
      return CoreWorker.this.hostedActor();
    }

    @Override
    public boolean cancelActorCall(PendingTask task, boolean force) {
      return actorSubmitter().cancel(task, force);
    }

    @Override
    public void cancelRemote(Address worker, ByteString taskId, boolean force, boolean recursive) {
      CoreWorker.this.cancelRemote(worker, taskId, force, recursive);
    }

    @Override
    public ByteString runningTaskId() {
      TaskSpec task = runningTask.get();
      return task == null ? null : task.getTaskId();
    }

    @Override
    public boolean enterBlocking() {
      return CoreWorker.this.enterBlocking();
    }

    @Override
    public void exitBlocking() {
      notices.exitBlocking();
    }

    @Override
    public NodeManagerServiceGrpc.NodeManagerServiceStub localNodeManager() {
      return nodeManager;
    }

    @Override
    public ManagedChannel channelTo(Address a) {
      return channels.to(a);
    }

    @Override
    public void forgetChannel(Address a) {
      channels.forget(a);
    }
  }

  /** This process as its refs see it. */
  private final class RefSession implements ObjectRefImpl.Session {
    @Override
    public <T> T get(ObjectRefImpl<T> ref, Duration timeout) {
      return reader.get(ref, timeout);
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public <T> java.util.concurrent.CompletableFuture<T> future(ObjectRefImpl<T> ref) {
      return reader.future(ref);
    }

    @Override
    public ReferenceCounter references() {
      return references;
    }
  }

  /** This process as the object reader sees it. */
  private final class ReaderHost implements ObjectReader.Host {
    @Override
    public void checkAlive() {
      CoreWorker.this.checkAlive();
    }

    @Override
    public String workerId() {
      return workerId;
    }

    @Override
    public String nodeId() {
      return nodeId;
    }

    @Override
    public boolean reconstruct(ObjectId id, String lostNodeId) {
      return CoreWorker.this.reconstruct(id, lostNodeId);
    }

    @Override
    public boolean enterBlocking() {
      return CoreWorker.this.enterBlocking();
    }

    @Override
    public void exitBlocking() {
      notices.exitBlocking();
    }
  }

  /** This process as the borrow notifier sees it. */
  private final class BorrowHost implements BorrowNotifier.Host {
    @Override
    public Address self() {
      return address;
    }

    @Override
    public io.grpc.Channel channelTo(Address process) {
      return channels.to(process);
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public StoredValue errorValue(TaskError error) {
      return CoreWorker.this.errorValue(error);
    }
  }

  /** What the reference counter's last releases do. */
  private final class Releases implements ReferenceCounter.Listener {
    @Override
    public void ownedObjectFreed(ObjectId id, List<ObjectId> contained) {
      if (actors != null) {
        actors.lifetimeRefFreed(id);
      }
      StoredValue value = memory.remove(id);
      // After the slot is gone, so a result finishing now sees it gone and keeps no lineage.
      submitter.forgetLineage(id);
      if (value != null && !value.isInline()) {
        copies.delete(id, value.nodeId(), value.size());
      }
    }

    @Override
    public void borrowReleased(
        ObjectId id, Address owner, boolean ownerKnows, List<ObjectId> contained) {
      memory.remove(id);
      if (ownerKnows && !shutdown) {
        borrowNotifier.removeBorrow(owner, id);
      }
    }
  }
}
