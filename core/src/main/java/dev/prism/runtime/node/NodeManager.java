package dev.prism.runtime.node;

import dev.prism.runtime.gcs.GcsClient;
import dev.prism.runtime.net.Rpc;
import dev.prism.runtime.rpc.Address;
import dev.prism.runtime.rpc.GetNodeInfoReply;
import dev.prism.runtime.rpc.NodeInfo;
import dev.prism.scheduler.GpuDiscovery;
import dev.prism.scheduler.GpuInventory;
import dev.prism.scheduler.NodeSpec;
import dev.prism.scheduler.ResourceSet;
import dev.prism.store.StoreClient;
import dev.prism.store.StoreConfig;
import dev.prism.store.StoreServer;
import io.grpc.Server;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node manager: serves {@code NodeManagerService} (see {@code node_manager.proto}), owns the
 * node's object store, runs the worker pool, grants worker leases, and reports the node's resources
 * to the GCS.
 *
 * <h2>Object store</h2>
 *
 * An arrow-store {@link StoreServer} with a shared-memory file and a socket unique to this node;
 * closed (shared-memory, socket and spill files removed) when the node manager closes.
 *
 * <h2>Objects between nodes</h2>
 *
 * The node manager also serves {@code ObjectManagerService} ({@code object_manager.proto}) on the
 * same port, and objects' bytes on a TCP data port bound to the same host: other nodes pull objects
 * from this node's store, and this node's workers ask it to fetch objects that live on other nodes
 * into this store as secondary copies (see {@link ObjectManager}).
 *
 * <h2>Security</h2>
 *
 * Every call to the node manager's gRPC port, and every connection to its object data port, must
 * carry the cluster token of {@link NodeConfig#token()}; others are refused (gRPC UNAUTHENTICATED;
 * the data port closes the connection) and logged, before any of their data is handled. Workers get
 * the token in {@code PRISM_CLUSTER_TOKEN}.
 *
 * <h2>Worker launch contract</h2>
 *
 * A worker is started as {@code <java> <jvmFlags> <workerJvmOptions> -cp <classpath>
 * <workerMainClass>} with this process's environment plus {@link NodeConfig#workerEnvironment()}
 * plus:
 *
 * <ul>
 *   <li>{@code PRISM_NODE_MANAGER_ADDRESS}: this node manager's {@code host:port};
 *   <li>{@code PRISM_GCS_ADDRESS}: the GCS's {@code host:port} (empty without a GCS);
 *   <li>{@code PRISM_NODE_ID}: the node id (hex);
 *   <li>{@code PRISM_WORKER_ID}: the worker's fresh id (hex), to send back in {@code
 *       RegisterWorker};
 *   <li>{@code PRISM_STORE_SOCKET}: the object store's Unix domain socket;
 *   <li>{@code PRISM_PARENT_PID}: this process's pid; the worker must exit when it dies;
 *   <li>{@code PRISM_GPU_IDS}: the worker's GPU device indexes on this node, comma separated (the
 *       {@code gpu_ids} of its leases); empty for a CPU-only worker;
 *   <li>{@code CUDA_VISIBLE_DEVICES}: the CUDA tokens of those devices, same order (equal to the
 *       indexes unless this node manager itself runs under a device mask); empty for a CPU-only
 *       worker, so it sees no GPU;
 *   <li>{@code PRISM_BIND_HOST}: the host to serve the CoreWorkerService on (this node manager's
 *       host);
 *   <li>{@code PRISM_CLUSTER_TOKEN}: the cluster token, which the worker's server requires and its
 *       calls carry (in the environment, not on the command line, which other users see).
 * </ul>
 *
 * The worker serves its CoreWorkerService, then calls {@code RegisterWorker} with its worker id,
 * pid and address; only then is it ready. One that does not register within {@link
 * NodeConfig#workerStartTimeout()} of its launch is killed and the failure reported. At most {@link
 * NodeConfig#maxConcurrentWorkerStarts()} workers are starting at once (prestarted ones included);
 * further starts wait for a slot in order. Its stdout and stderr go to {@link NodeConfig#logSink()}
 * line by line ({@code (pid=N) } prefix on the console).
 *
 * <h2>Leases</h2>
 *
 * {@code RequestWorkerLease} is decided with gpu-scheduler's standard policy over this node and the
 * live nodes of the GCS's resource view: granted here when the request fits now (with an idle
 * worker of the granted GPU set, or one started for it), spilled back to another node manager when
 * the policy picks another node or only another node could ever fit it, queued here when it fits
 * this node later (granted in arrival order as resources and workers free up, or rejected after
 * {@code timeout_ms}), and infeasible when no node could ever fit it. A request marked {@code
 * grant_or_queue} is never spilled again. A worker is leased to one submitter at a time; {@code
 * ReturnWorkerLease} frees the resources and puts it back in the pool (or kills it when the
 * submitter saw it fail). A leased worker that dies frees its lease's resources at once; leases
 * whose submitter was a worker that died end, and their workers are killed.
 *
 * <h2>Worker failures</h2>
 *
 * When the process of a registered worker ends for any reason but being stopped on purpose (idle
 * beyond {@link NodeConfig#workerIdleTimeout()}, or node shutdown) the node manager sends {@code
 * ReportWorkerFailure} to the GCS, once, asynchronously, with the exit code and a reason: {@code
 * "killed: its lease was returned as failed"}, {@code "killed: the submitter of its lease (worker
 * <id>) died"}, or, when the node manager did not kill it, {@code "exited with code <n>
 * [(<meaning>)] while idle"} or {@code "... while holding lease <hex id>"}. A report that cannot be
 * delivered is dropped (logged at debug). Workers that never registered are start failures: they
 * are not reported.
 *
 * <h2>Shutdown</h2>
 *
 * {@link #close()} rejects pending requests, unregisters from the GCS, asks every worker to {@code
 * Exit}, destroys those still alive after {@link NodeConfig#workerExitGrace()}, then destroys them
 * forcibly, and closes the store. A JVM shutdown hook does the same if the process exits without
 * closing.
 */
public final class NodeManager implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NodeManager.class);

  private final NodeConfig config;
  private final NodeSpec spec;
  private final StoreServer store;
  private final ScheduledExecutorService timer;
  private final WorkerEvents events;
  private final LeaseScheduler scheduler;
  private final WorkerStopper stopper;
  private final WorkerFailureReporter failures;
  private final NodeDirectory directory;
  private final ObjectManager objects;
  private final DeadOwnerCleanup deadOwners;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** What this node's drivers and workers recorded through dev.prism.metrics. */
  private final dev.prism.runtime.metrics.ReportedMetrics reported;

  private Server server;
  private int port;
  private volatile GcsClient gcs;
  private ResourceReporter reporter;
  private Thread shutdownHook;

  private NodeManager(NodeConfig config, NodeSpec spec, StoreServer store) {
    this.config = config;
    this.spec = spec;
    this.store = store;
    String shortId = config.nodeId().substring(0, Math.min(8, config.nodeId().length()));
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "prism-nm-timer-" + shortId);
              t.setDaemon(true);
              return t;
            });
    this.events = new WorkerEvents();
    this.stopper = new WorkerStopper(config.workerExitGrace(), timer, config.token());
    WorkerLauncher launcher =
        new WorkerLauncher(config, this::address, store.socketPath().toString());
    this.failures = new WorkerFailureReporter(config.nodeId(), config.gcsAddress(), config.token());
    this.scheduler =
        new LeaseScheduler(
            config, spec, launcher, stopper, timer, events, failures, this::resourcesChanged);
    this.directory =
        new NodeDirectory(
            () -> {
              GcsClient g = gcs;
              return g == null ? List.of() : g.getAllNodes();
            });
    this.objects =
        new ObjectManager(
            config.nodeId(),
            StoreClient.connect(store.socketPath()),
            directory,
            config.objectTransfer(),
            config.token());
    this.deadOwners = new DeadOwnerCleanup(config.nodeId(), scheduler, store, timer);
    this.reported = new dev.prism.runtime.metrics.ReportedMetrics(config.nodeId());
  }

  /**
   * Starts a node manager: its object store, its gRPC server, its registration with the GCS (when
   * configured) and the prestart of its workers (in the background: this method does not wait for
   * them; see {@link #awaitRegisteredWorkers}).
   *
   * @param config the configuration
   * @return the running node manager
   * @throws NodeManagerException if the store, the server or the GCS registration fails
   */
  public static NodeManager start(NodeConfig config) {
    GpuInventory gpus = config.gpus().orElseGet(GpuDiscovery::discover);
    NodeSpec.Builder sb =
        NodeSpec.builder(config.nodeId())
            .cpu(config.numCpus())
            .gpus(gpus.devices())
            .objectStoreMemory(config.objectStoreCapacity());
    config.resources().forEach(sb::resource);
    config.labels().forEach(sb::label);
    NodeSpec spec;
    try {
      spec = sb.build();
    } catch (RuntimeException e) {
      throw new NodeManagerException(
          "invalid resources for node " + config.nodeId() + ": " + e.getMessage(), e);
    }
    StoreServer store;
    try {
      store =
          StoreServer.start(
              StoreConfig.builder()
                  .capacity(config.objectStoreCapacity())
                  .shmDirectory(config.shmDirectory())
                  .socketDirectory(config.socketDirectory())
                  .spillDirectory(config.spillDirectory())
                  .build());
    } catch (RuntimeException e) {
      throw new NodeManagerException(
          "cannot start the object store of node "
              + config.nodeId()
              + " ("
              + config.objectStoreCapacity()
              + " bytes in "
              + config.shmDirectory()
              + "): "
              + e.getMessage(),
          e);
    }
    NodeManager nm;
    try {
      nm = new NodeManager(config, spec, store);
    } catch (RuntimeException e) {
      store.close();
      throw new NodeManagerException(
          "cannot start the node manager of node " + config.nodeId() + ": " + e.getMessage(), e);
    }
    try {
      nm.startServices();
    } catch (RuntimeException e) {
      nm.close();
      throw e instanceof NodeManagerException
          ? e
          : new NodeManagerException(
              "cannot start the node manager of node " + config.nodeId() + ": " + e.getMessage(),
              e);
    }
    return nm;
  }

  private void startServices() {
    server =
        Rpc.server(
                config.host(),
                config.port(),
                config.token(),
                "node manager "
                    + config.nodeId().substring(0, Math.min(8, config.nodeId().length())))
            .addService(
                new NodeManagerServiceImpl(
                    scheduler, this::nodeInfoReply, deadOwners, () -> store.list(), reported))
            .addService(objects)
            .flowControlWindow(ObjectManager.FLOW_CONTROL_WINDOW)
            .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new NodeManagerException(
          "cannot bind the node manager to "
              + config.host()
              + ":"
              + config.port()
              + ": "
              + e.getMessage()
              + "; choose another port, or 0",
          e);
    }
    port = server.getPort();
    try {
      objects.listen(config.host());
    } catch (IOException e) {
      throw new NodeManagerException(
          "cannot bind the object data port of node "
              + config.nodeId()
              + " on "
              + config.host()
              + ": "
              + e.getMessage(),
          e);
    }
    if (config.gcsAddress().isPresent()) {
      gcs = GcsClient.connect(config.gcsAddress().get(), Duration.ofSeconds(5), config.token());
      reporter =
          new ResourceReporter(
              gcs,
              config.nodeId(),
              this::nodeInfo,
              () -> Protos.toProto(scheduler.available()),
              this::clusterViewChanged,
              config.reportPeriod(),
              config.reportDelay());
      reporter.start();
    }
    long sweep =
        Math.clamp(
            config.workerIdleTimeout().toNanos() / 4,
            TimeUnit.MILLISECONDS.toNanos(10),
            TimeUnit.SECONDS.toNanos(1));
    timer.scheduleWithFixedDelay(scheduler::stopIdleWorkers, sweep, sweep, TimeUnit.NANOSECONDS);
    shutdownHook = new Thread(this::closeFromHook, "prism-nm-shutdown-" + config.nodeId());
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    LOG.debug(
        "node manager {} listening on {} with {}; store {} ({} bytes)",
        config.nodeId(),
        address(),
        spec.resources(),
        store.shmPath(),
        config.objectStoreCapacity());
    scheduler.prestart(config.prestartWorkers());
  }

  private void clusterViewChanged(List<NodeInfo> nodes) {
    directory.update(nodes);
    scheduler.updateClusterView(nodes);
  }

  /** How many objects this node pulled from other nodes into its store (for tests). */
  long objectPullCount() {
    return objects.pullCount();
  }

  /** The object manager (for tests of object transfer). */
  ObjectManager objectManager() {
    return objects;
  }

  private void resourcesChanged() {
    ResourceReporter r = reporter;
    if (r != null) {
      r.markDirty();
    }
  }

  /** This node as the GCS should know it (available amounts included). */
  private NodeInfo nodeInfo() {
    return NodeInfo.newBuilder()
        .setNodeId(config.nodeId())
        .setAddress(selfAddress())
        .setStoreSocket(store.socketPath().toString())
        .setTotal(Protos.toProto(scheduler.total()))
        .setAvailable(Protos.toProto(scheduler.available()))
        .putAllLabels(spec.labels())
        .setAlive(true)
        .addAllInfeasibleDemands(scheduler.infeasibleDemands())
        .build();
  }

  private GetNodeInfoReply nodeInfoReply() {
    return GetNodeInfoReply.newBuilder()
        .setNodeId(config.nodeId())
        .setStoreSocket(store.socketPath().toString())
        .setAddress(selfAddress())
        .setTotal(Protos.toProto(scheduler.total()))
        .setAvailable(Protos.toProto(scheduler.available()))
        .setGcsAddress(config.gcsAddress().orElse(""))
        .build();
  }

  private Address selfAddress() {
    return Address.newBuilder()
        .setHost(config.host())
        .setPort(port)
        .setNodeId(config.nodeId())
        .build();
  }

  /**
   * Returns the configuration.
   *
   * @return the configuration
   */
  public NodeConfig config() {
    return config;
  }

  /**
   * Returns the node id.
   *
   * @return lower-case hex
   */
  public String nodeId() {
    return config.nodeId();
  }

  /**
   * Returns the host the node manager is bound to.
   *
   * @return the host
   */
  public String host() {
    return config.host();
  }

  /**
   * Returns the bound port.
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * Returns the address of the NodeManagerService.
   *
   * @return {@code host:port}
   */
  public String address() {
    return config.host() + ":" + port;
  }

  /**
   * Returns the GCS this node reports to.
   *
   * @return {@code host:port}, or empty without a GCS
   */
  public Optional<String> gcsAddress() {
    return config.gcsAddress();
  }

  /**
   * Returns the object store's Unix domain socket, for {@code StoreClient.connect}.
   *
   * @return the socket path
   */
  public Path storeSocketPath() {
    return store.socketPath();
  }

  /**
   * Returns the object store's shared-memory file.
   *
   * @return the file (under {@link NodeConfig#shmDirectory()})
   */
  public Path storeShmPath() {
    return store.shmPath();
  }

  /**
   * Returns the node's object store server (for in-process use by the embedded driver).
   *
   * @return the store
   */
  public StoreServer store() {
    return store;
  }

  /**
   * Returns the node's resources and labels as the scheduler sees them.
   *
   * @return the spec
   */
  public NodeSpec spec() {
    return spec;
  }

  /**
   * Returns the node's total resources.
   *
   * @return the totals
   */
  public ResourceSet totalResources() {
    return scheduler.total();
  }

  /**
   * Returns what is not leased right now.
   *
   * @return the available amounts
   */
  public ResourceSet availableResources() {
    return scheduler.available();
  }

  /**
   * How many leases this node has granted since it started (a worker handed to a request).
   *
   * @return the count
   */
  public long leasesGranted() {
    return scheduler.leasesGranted();
  }

  /**
   * How many objects this node pulled into its store from other nodes since it started.
   *
   * @return the count
   */
  public long objectsPulled() {
    return objects.pullCount();
  }

  /**
   * How many bytes of objects this node pulled into its store from other nodes since it started.
   *
   * @return the bytes
   */
  public long bytesPulled() {
    return objects.bytesPulled();
  }

  /**
   * How many live nodes this node's scheduler knows (itself included), from its last report to the
   * GCS: a node that just joined is known to the others after their next report.
   *
   * @return the count
   */
  public int knownNodes() {
    return scheduler.knownNodes();
  }

  /**
   * Returns a snapshot of the worker pool.
   *
   * @return every worker that is starting, idle, or leased
   */
  public List<WorkerInfo> workers() {
    return scheduler.workers();
  }

  /**
   * Waits until at least {@code count} workers have registered (idle or leased).
   *
   * @param count the number of workers
   * @param timeout how long to wait
   * @return true when they have, false on timeout or shutdown
   */
  public boolean awaitRegisteredWorkers(int count, Duration timeout) {
    try {
      return scheduler.awaitRegistered(count, timeout.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Adds a listener for worker registrations, start failures and deaths.
   *
   * @param listener the listener
   */
  public void addWorkerListener(WorkerListener listener) {
    events.addListener(listener);
  }

  private void closeFromHook() {
    shutdownHook = null;
    close();
  }

  /**
   * Stops the node: pending lease requests are rejected, the node leaves the GCS, every worker is
   * asked to exit, then destroyed, then destroyed forcibly, and the object store is closed (its
   * shared-memory, socket and spill files removed). Idempotent; waits for the workers.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Thread hook = shutdownHook;
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down
      }
    }
    List<Runnable> steps = new ArrayList<>();
    steps.add(
        () -> {
          if (reporter != null) {
            reporter.stop(true);
          }
        });
    steps.add(
        () -> {
          List<WorkerHandle> workers = scheduler.shutdown();
          events.closeLaunches(Duration.ofSeconds(5));
          stopper.stopAll(workers, "node manager " + config.nodeId() + " is shutting down");
          events.closeExits();
        });
    steps.add(failures::close);
    steps.add(
        () -> {
          if (gcs != null) {
            gcs.close();
          }
        });
    steps.add(this::stopServer);
    steps.add(reported::close);
    steps.add(objects::close);
    steps.add(timer::shutdownNow);
    steps.add(store::close);
    for (Runnable step : steps) {
      try {
        step.run();
      } catch (RuntimeException e) {
        LOG.error("error while closing node manager {}", config.nodeId(), e);
      }
    }
    LOG.debug("node manager {} stopped", config.nodeId());
  }

  private void stopServer() {
    if (server == null) {
      return;
    }
    server.shutdown();
    try {
      if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
