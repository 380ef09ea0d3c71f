package dev.prism.runtime.gcs;

import com.google.protobuf.ByteString;
import dev.prism.runtime.net.Rpc;
import dev.prism.runtime.rpc.ActorInfo;
import dev.prism.runtime.rpc.NodeInfo;
import io.grpc.Server;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The global control store: serves {@code GcsService} (see {@code gcs.proto}) on a host and port,
 * with in-memory tables of nodes (with liveness), jobs, actors and a namespaced key-value store,
 * and the cluster resource view that node managers update with {@code ReportResources}.
 *
 * <p>Actors: {@code RegisterActor} records an actor as PENDING_CREATION and places it
 * asynchronously: the GCS asks the node manager of the owner's node for a worker lease (following
 * spillback), then calls {@code CreateActor} on the granted worker. It restarts actors whose
 * process died (up to their {@code max_restarts}), and destroys actors whose owner or job ended
 * unless they are detached.
 *
 * <p>Security: every call must carry the cluster token of {@link GcsConfig#token()}; calls without
 * it are refused (UNAUTHENTICATED) and logged before any of their messages is handled.
 *
 * <p>Liveness: a node is alive from {@code RegisterNode} until it calls {@code UnregisterNode}, or
 * until it has sent no {@code ReportResources} for {@link GcsConfig#nodeTimeout()} (checked every
 * {@link GcsConfig#healthCheckPeriod()}, or on demand with {@link #checkNodeHealth()}).
 *
 * <pre>{@code
 * try (GcsServer gcs = GcsServer.start(GcsConfig.builder().build());
 *      GcsClient client = GcsClient.connect(gcs.address())) {
 *   client.kvPut("ns", "key", bytes, true);
 * }
 * }</pre>
 */
public final class GcsServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(GcsServer.class);
  private static final java.util.Map<String, GcsServer> RUNNING =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final GcsConfig config;
  private final NodeTable nodes;
  private final GcsServiceImpl service;
  private final ActorManager actors;
  private final PlacementGroupManager groups;
  private final Server server;
  private final ScheduledExecutorService healthChecker;
  private DriverWatcher drivers;
  private final int port;
  private volatile boolean closed;

  private GcsServer(
      GcsConfig config,
      NodeTable nodes,
      GcsServiceImpl service,
      ActorManager actors,
      PlacementGroupManager groups,
      Server server,
      ScheduledExecutorService healthChecker) {
    this.groups = groups;
    this.config = config;
    this.nodes = nodes;
    this.service = service;
    this.actors = actors;
    this.server = server;
    this.healthChecker = healthChecker;
    this.port = server.getPort();
  }

  /**
   * Starts a GCS with the default configuration (loopback, ephemeral port).
   *
   * @return the running server
   * @throws GcsException if the port cannot be bound
   */
  public static GcsServer start() {
    return start(GcsConfig.builder().build());
  }

  /**
   * Starts a GCS.
   *
   * @param config the configuration
   * @return the running server
   * @throws GcsException if the address cannot be bound
   */
  public static GcsServer start(GcsConfig config) {
    return start(config, List.of());
  }

  /**
   * Starts a GCS that also serves other services on its port, behind the same token check (the
   * head's {@code JobService}).
   *
   * @param config the configuration
   * @param extraServices the other services
   * @return the running server
   * @throws GcsException if the address cannot be bound
   */
  public static GcsServer start(GcsConfig config, List<io.grpc.BindableService> extraServices) {
    NodeTable nodes = new NodeTable(config.clock(), config.nodeTimeout());
    ActorManager actors = new ActorManager(nodes, config);
    PlacementGroupManager groups = new PlacementGroupManager(nodes, config.token());
    JobTable jobs = new JobTable(config.clock());
    GcsServiceImpl service =
        new GcsServiceImpl(
            nodes, jobs, new KvTable(), actors, groups, new TaskEventStore(config.maxTasks()));
    DriverWatcher drivers =
        new DriverWatcher(jobs, service::jobFinished, nodes, config.nodeTimeout(), config.token());
    Rpc.ServerSpec spec =
        Rpc.server(config.host(), config.port(), config.token(), "GCS").addService(service);
    extraServices.forEach(spec::addService);
    Server server = spec.build();
    try {
      server.start();
    } catch (IOException e) {
      actors.close();
      groups.close();
      throw new GcsException(
          "cannot start the GCS on "
              + config.host()
              + ":"
              + config.port()
              + ": "
              + e.getMessage()
              + "; choose another port, or 0 for an ephemeral one",
          e);
    }
    ScheduledExecutorService checker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "prism-gcs-health");
              t.setDaemon(true);
              return t;
            });
    actors.serveAt(config.host(), server.getPort());
    GcsServer gcs = new GcsServer(config, nodes, service, actors, groups, server, checker);
    gcs.drivers = drivers;
    service.onWorkerFailure(drivers::workerDied);
    long period = config.healthCheckPeriod().toNanos();
    checker.scheduleWithFixedDelay(gcs::checkQuietly, period, period, TimeUnit.NANOSECONDS);
    RUNNING.put(gcs.address(), gcs);
    LOG.debug("GCS listening on {}", gcs.address());
    return gcs;
  }

  /**
   * Returns the cluster token of the GCS that this JVM runs at an address (an embedded cluster that
   * a driver or a node of the same JVM joins by address).
   *
   * @param address {@code host:port} as {@link #address()} gives it
   * @return its token, or empty when no GCS of this JVM serves that address
   */
  public static java.util.Optional<dev.prism.runtime.security.ClusterToken> tokenServedAt(
      String address) {
    return java.util.Optional.ofNullable(RUNNING.get(address)).map(g -> g.config.token());
  }

  private void checkQuietly() {
    try {
      checkNodeHealth();
      drivers.check();
    } catch (RuntimeException e) {
      LOG.error("GCS health check failed", e);
    }
  }

  /**
   * Returns the host the server is bound to.
   *
   * @return the host from the configuration
   */
  public String host() {
    return config.host();
  }

  /**
   * Returns the bound port (the chosen one when the configuration asked for 0).
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * Returns the address clients connect to.
   *
   * @return {@code host:port}
   */
  public String address() {
    return config.host() + ":" + port();
  }

  /**
   * Returns the configuration.
   *
   * @return the configuration
   */
  public GcsConfig config() {
    return config;
  }

  /**
   * Returns a snapshot of the node table, alive and dead nodes, in registration order.
   *
   * @return the nodes
   */
  public List<NodeInfo> nodes() {
    return nodes.all();
  }

  /**
   * Returns the task counts of the GCS's task event store, for metrics.
   *
   * @return the counts
   */
  public TaskCounts taskCounts() {
    return service.taskCounts();
  }

  /**
   * Reads the key-value store across namespaces: what libraries publish for the dashboard.
   *
   * @param prefix the keys' prefix
   * @return per namespace (sorted), the keys that start with it (sorted) and their values
   */
  public Map<String, Map<String, byte[]>> kvWithPrefix(String prefix) {
    Map<String, Map<String, byte[]>> out = new java.util.TreeMap<>();
    service
        .kv()
        .withPrefix(prefix)
        .forEach(
            (ns, entries) -> {
              Map<String, byte[]> values = new java.util.TreeMap<>();
              entries.forEach((k, v) -> values.put(k, v.toByteArray()));
              out.put(ns, values);
            });
    return out;
  }

  /**
   * Returns one node.
   *
   * @param nodeId the node id
   * @return the node, or empty when it never registered
   */
  public Optional<NodeInfo> node(String nodeId) {
    return nodes.get(nodeId);
  }

  /**
   * Declares dead every alive node that has been silent for longer than the node timeout, now, and
   * notifies the listeners. The GCS also does this every health-check period.
   *
   * @return the nodes declared dead by this call
   */
  public List<NodeInfo> checkNodeHealth() {
    List<NodeInfo> died = nodes.expireSilent();
    service.fireDied(died);
    return died;
  }

  /**
   * Returns a snapshot of the actor table: every registered actor, including the most recent DEAD
   * ones (at most 10,000 of those are kept).
   *
   * @return the actors, in registration order
   */
  public List<ActorInfo> actors() {
    return actors.list();
  }

  /**
   * Returns one actor's current info.
   *
   * @param actorId the actor's 16-byte id
   * @return the actor, or empty when it is not (or no longer) in the table
   */
  public Optional<ActorInfo> actor(ByteString actorId) {
    return actors.info(actorId);
  }

  /**
   * Returns a snapshot of the placement-group table (removed groups are dropped).
   *
   * @return the groups, in creation order
   */
  public List<dev.prism.runtime.rpc.PlacementGroupInfo> placementGroups() {
    return groups.list();
  }

  ActorManager actorManager() {
    return actors;
  }

  /**
   * Adds a listener for nodes joining and dying.
   *
   * @param listener the listener
   */
  public void addNodeListener(NodeListener listener) {
    service.addListener(listener);
  }

  /** Stops serving and the health checks. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    RUNNING.remove(address(), this);
    healthChecker.shutdownNow();
    if (drivers != null) {
      drivers.close();
    }
    // First: answers the long polls and cancels lease requests, so the server drains quickly.
    actors.close();
    groups.close();
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
    LOG.debug("GCS on {} stopped", address());
  }
}
