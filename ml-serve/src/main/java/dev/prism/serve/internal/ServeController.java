package dev.prism.serve.internal;

import dev.prism.ActorHandle;
import dev.prism.ActorLifetime;
import dev.prism.KeyValueStore;
import dev.prism.Prism;
import dev.prism.serve.ServeConfig;
import dev.prism.serve.ServeStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serve's controller (a detached, named actor): owns the applications' desired state, reconciles
 * the replicas towards it every {@link #TICK_MILLIS}, runs the proxies, publishes the route table
 * to routers by long poll, scales deployments on the load routers report, and checkpoints its
 * desired state and replicas in the GCS key-value store so a restarted controller takes the running
 * replicas over.
 */
public final class ServeController implements DeploymentState.Ops {

  /** How often the controller reconciles. */
  static final long TICK_MILLIS = 50;

  /** A router's load report counts this long. */
  static final long LOAD_TTL_NANOS = TimeUnit.SECONDS.toNanos(2);

  /** How long a replica's constructor may run. */
  static final Duration START_TIMEOUT = Duration.ofMinutes(10);

  private static final Logger LOG = LoggerFactory.getLogger(ServeController.class);

  private final ServeConfig config;
  private final String headNode;
  private final Map<String, AppSpec> apps = new LinkedHashMap<>();
  private final Map<String, DeploymentState> deployments = new LinkedHashMap<>();
  private final Map<String, Map<String, Integer>> loads = new HashMap<>();
  private final Map<String, Long> loadTimes = new HashMap<>();
  private final ProxyManager proxies;
  private final Checkpoints checkpoints;
  private RouteTable table = RouteTable.EMPTY;
  private boolean routesDirty;
  private boolean stateDirty;
  private volatile boolean stopped;

  /**
   * Starts the controller, taking over the replicas of a previous one from its checkpoint.
   *
   * @param config Serve's settings
   * @param headNode the node proxies go to with {@code HEAD_ONLY}
   */
  public ServeController(ServeConfig config, String headNode) {
    this.config = config;
    this.headNode = headNode;
    this.proxies = new ProxyManager(config, headNode);
    this.checkpoints = new Checkpoints();
    checkpoints.load().ifPresent(this::restore);
    routesDirty = true;
    Thread.ofPlatform().daemon().name("prism-serve-controller").start(this::loop);
  }

  /** Takes over the state and the live replicas of a previous controller. */
  private void restore(Checkpoints.State saved) {
    for (AppSpec a : saved.apps()) {
      apps.put(a.name(), a);
    }
    saved
        .deployments()
        .forEach(
            (key, d) -> {
              DeploymentState s = new DeploymentState(d.spec());
              s.target = d.target();
              s.deleting = d.deleting();
              for (List<String> r : d.replicas()) {
                Prism.<ReplicaActor>getActor(r.get(1), ServeClient.NAMESPACE)
                    .ifPresent(
                        actor -> {
                          ReplicaState rs = new ReplicaState(r.get(0), r.get(1), r.get(2), actor);
                          awaitReady(rs);
                          s.replicas.add(rs);
                        });
              }
              deployments.put(key, s);
            });
    LOG.info(
        "serve controller restored {} applications, {} replicas",
        apps.size(),
        deployments.values().stream().mapToInt(d -> d.replicas.size()).sum());
  }

  // ------------------------------------------------------------------------------ API

  /**
   * Deploys or updates an application.
   *
   * @param app the application
   * @return true
   * @throws IllegalArgumentException when its route prefix is another application's
   */
  public synchronized boolean deploy(AppSpec app) {
    if (app.routePrefix() != null) {
      for (AppSpec other : apps.values()) {
        if (!other.name().equals(app.name()) && app.routePrefix().equals(other.routePrefix())) {
          throw new IllegalArgumentException(
              "route prefix "
                  + app.routePrefix()
                  + " is already application "
                  + other.name()
                  + "'s; give another prefix or delete that application");
        }
      }
    }
    AppSpec before = apps.put(app.name(), app);
    List<String> keys = new ArrayList<>();
    for (DeploymentSpec d : app.deployments()) {
      keys.add(d.key());
      DeploymentState s = deployments.get(d.key());
      if (s == null) {
        deployments.put(d.key(), new DeploymentState(d));
      } else {
        s.setSpec(d);
      }
    }
    if (before != null) {
      for (DeploymentSpec d : before.deployments()) {
        if (!keys.contains(d.key())) {
          deployments.get(d.key()).delete();
        }
      }
    }
    routesDirty = true;
    stateDirty = true;
    notifyAll();
    return true;
  }

  /**
   * Waits until an application is running (every deployment at its target, all of the new version)
   * or failed.
   *
   * @param app the application
   * @param timeoutMillis how long to wait
   * @return RUNNING, DEPLOY_FAILED: message, or DEPLOYING when the time ran out
   * @throws InterruptedException if interrupted
   */
  public synchronized String awaitApp(String app, long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (true) {
      ServeStatus.App s = appStatus(app);
      if (s == null) {
        return "DEPLOY_FAILED: application " + app + " is not deployed";
      }
      if (s.status().equals("RUNNING")) {
        return "RUNNING";
      }
      if (s.status().equals("DEPLOY_FAILED")) {
        return "DEPLOY_FAILED: " + s.message();
      }
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        return "DEPLOYING";
      }
      wait(Math.min(left, 100));
    }
  }

  /**
   * Deletes an application: its replicas stop gracefully.
   *
   * @param app the application
   * @return whether it existed
   */
  public synchronized boolean deleteApp(String app) {
    AppSpec spec = apps.remove(app);
    if (spec == null) {
      return false;
    }
    for (DeploymentSpec d : spec.deployments()) {
      DeploymentState s = deployments.get(d.key());
      if (s != null) {
        s.delete();
      }
    }
    routesDirty = true;
    stateDirty = true;
    notifyAll();
    return true;
  }

  /**
   * Waits until no replica of deleted applications is left.
   *
   * @param timeoutMillis how long to wait
   * @return whether they are all gone
   * @throws InterruptedException if interrupted
   */
  public synchronized boolean awaitDeleted(long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (deployments.values().stream().anyMatch(d -> d.deleting)) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        return false;
      }
      wait(Math.min(left, 100));
    }
    return true;
  }

  /**
   * Serve's state now.
   *
   * @return it
   */
  public synchronized ServeStatus status() {
    Map<String, ServeStatus.App> out = new LinkedHashMap<>();
    for (String name : apps.keySet()) {
      out.put(name, appStatus(name));
    }
    return new ServeStatus(proxies.status(), out);
  }

  private ServeStatus.App appStatus(String name) {
    AppSpec app = apps.get(name);
    if (app == null) {
      return null;
    }
    Map<String, ServeStatus.DeploymentStatus> ds = new LinkedHashMap<>();
    String status = "RUNNING";
    String message = "";
    for (DeploymentSpec d : app.deployments()) {
      DeploymentState s = deployments.get(d.key());
      ds.put(d.name(), s.status());
      if (s.failed()) {
        status = "DEPLOY_FAILED";
        message = "deployment " + d.name() + ": " + s.failure();
      } else if (!s.settled() && !status.equals("DEPLOY_FAILED")) {
        status = "DEPLOYING";
      }
    }
    return new ServeStatus.App(
        name, app.routePrefix() == null ? "" : app.routePrefix(), status, message, ds);
  }

  /**
   * The route table once its version is past {@code known}, or after {@code waitMillis}.
   *
   * @param known the version the caller has
   * @param waitMillis how long to hold the call
   * @return the table (the same version when nothing changed)
   * @throws InterruptedException if interrupted
   */
  public synchronized RouteTable listen(long known, long waitMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
    while (table.version() == known && !stopped) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        break;
      }
      wait(left);
    }
    return table;
  }

  /**
   * A router's load: requests in flight plus queued, per deployment.
   *
   * @param routerId the router's process
   * @param load per deployment key
   * @return true
   */
  public synchronized boolean reportLoad(String routerId, Map<String, Integer> load) {
    loads.put(routerId, load);
    loadTimes.put(routerId, System.nanoTime());
    return true;
  }

  /**
   * A router found a replica dead: it is replaced at once.
   *
   * @param key the deployment
   * @param replicaId the replica
   * @return whether the replica was known
   */
  public synchronized boolean replicaDied(String key, String replicaId) {
    DeploymentState d = deployments.get(key);
    if (d == null) {
      return false;
    }
    for (ReplicaState r : d.replicas) {
      if (r.id.equals(replicaId) && r.phase == ReplicaState.Phase.RUNNING) {
        r.unhealthy = "a router found it dead";
        notifyAll();
        return true;
      }
    }
    return false;
  }

  /**
   * The controller's process id (for operators and fault tests).
   *
   * @return the pid
   */
  public long pid() {
    return ProcessHandle.current().pid();
  }

  /**
   * Stops every application and proxy and forgets the checkpoint; the caller then kills this actor.
   *
   * @param timeoutMillis how long replicas may take to stop
   * @return whether everything stopped in time
   * @throws InterruptedException if interrupted
   */
  public boolean shutdown(long timeoutMillis) throws InterruptedException {
    synchronized (this) {
      for (String app : new ArrayList<>(apps.keySet())) {
        deleteApp(app);
      }
    }
    boolean done = awaitDeleted(timeoutMillis);
    synchronized (this) {
      stopped = true;
      notifyAll();
    }
    proxies.stopAll();
    checkpoints.clear();
    try {
      KeyValueStore.delete(STATUS_KEY);
    } catch (RuntimeException e) {
      LOG.debug("could not delete Serve's status for the dashboard: {}", e.toString());
    }
    return done;
  }

  // ------------------------------------------------------------------------------ loop

  private void loop() {
    while (!stopped) {
      try {
        synchronized (this) {
          tick();
          wait(TICK_MILLIS);
        }
        proxies.tick(table);
        publishStatus();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("serve controller step failed; going on", e);
      }
    }
  }

  private void tick() {
    long now = System.nanoTime();
    Map<String, Double> load = new HashMap<>();
    loads.entrySet().removeIf(e -> now - loadTimes.getOrDefault(e.getKey(), 0L) > LOAD_TTL_NANOS);
    loadTimes.keySet().retainAll(loads.keySet());
    for (Map<String, Integer> l : loads.values()) {
      l.forEach((k, v) -> load.merge(k, (double) v, Double::sum));
    }
    for (DeploymentState d : new ArrayList<>(deployments.values())) {
      int before = d.replicas.size();
      d.tick(this, now, load.getOrDefault(d.spec.key(), 0.0));
      if (d.replicas.size() != before) {
        stateDirty = true;
      }
      if (d.gone()) {
        deployments.remove(d.spec.key());
        stateDirty = true;
        routesDirty = true;
      }
    }
    recordMetrics(load);
    if (routesDirty) {
      routesDirty = false;
      publish();
    }
    if (stateDirty) {
      stateDirty = false;
      checkpoints.save(apps, deployments);
    }
  }

  /** Sets the deployments' gauges (ServeMetrics); zeroes those of deployments that are gone. */
  private void recordMetrics(Map<String, Double> load) {
    java.util.Set<Map.Entry<String, String>> present = new java.util.HashSet<>();
    for (DeploymentState d : deployments.values()) {
      Map<String, Integer> byState = new HashMap<>();
      for (ReplicaState r : d.replicas) {
        byState.merge(r.phase.name(), 1, Integer::sum);
      }
      ServeMetrics.deployment(
          d.spec.app(), d.spec.name(), byState, d.target, load.getOrDefault(d.spec.key(), 0.0));
      present.add(Map.entry(d.spec.app(), d.spec.name()));
    }
    ServeMetrics.retain(present);
  }

  /**
   * Writes Serve's status for the dashboard into the cluster's key-value store ({@link
   * #STATUS_KEY}) when it changed, at most every {@link #STATUS_MILLIS}; outside the controller's
   * lock, as the write is a call to the GCS.
   */
  private void publishStatus() {
    if (stopped) {
      return;
    }
    long now = System.nanoTime();
    if (now - statusWritten < TimeUnit.MILLISECONDS.toNanos(STATUS_MILLIS)) {
      return;
    }
    statusWritten = now;
    ServeStatus s = status();
    String text = Json.text(s);
    if (!text.equals(statusText)) {
      try {
        KeyValueStore.put(STATUS_KEY, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        statusText = text;
      } catch (RuntimeException e) {
        LOG.debug("could not write Serve's status for the dashboard: {}", e.toString());
      }
    }
  }

  /**
   * Where the dashboard reads Serve's status (the JSON of {@link ServeStatus}), in the cluster's
   * key-value store, namespace {@code serve}: the head's {@code /api/v0/serve/applications} and its
   * Serve tab.
   */
  static final String STATUS_KEY = "dashboard/serve";

  /** How often, at most, the status for the dashboard is written. */
  static final long STATUS_MILLIS = 1000;

  private long statusWritten = System.nanoTime() - TimeUnit.SECONDS.toNanos(10);
  private String statusText = "";

  private void publish() {
    List<RouteTable.Route> routes = new ArrayList<>();
    for (AppSpec a : apps.values()) {
      if (a.routePrefix() != null) {
        routes.add(
            new RouteTable.Route(
                a.routePrefix(), a.name(), DeploymentSpec.key(a.name(), a.ingress())));
      }
    }
    routes.sort(Comparator.comparingInt((RouteTable.Route r) -> r.prefix().length()).reversed());
    Map<String, RouteTable.DeploymentRoute> ds = new LinkedHashMap<>();
    for (DeploymentState d : deployments.values()) {
      DeploymentSpec s = d.spec;
      ds.put(
          s.key(),
          new RouteTable.DeploymentRoute(
              s.key(), s.maxOngoing(), s.maxQueued(), s.requestTimeoutMillis(), d.routes()));
    }
    table = new RouteTable(table.version() + 1, routes, ds);
    notifyAll();
  }

  // ------------------------------------------------------------------------------ ops

  @Override
  public ReplicaState start(DeploymentSpec spec) {
    String id = UUID.randomUUID().toString().substring(0, 8);
    String name = "SERVE_REPLICA::" + spec.key() + "#" + id;
    ActorHandle<ReplicaActor> actor =
        Prism.actor(ReplicaActor::new, spec, id)
            .setName(name)
            .setNamespace(ServeClient.NAMESPACE)
            .setLifetime(ActorLifetime.DETACHED)
            .setResources(spec.resources())
            .setMaxConcurrency(spec.maxOngoing() + 8)
            .remote();
    ReplicaState r = new ReplicaState(id, name, spec.version(), actor);
    // Its constructor applies this config; a newer one set while it starts is applied after.
    r.appliedUserConfig = spec.userConfig();
    stateDirty = true;
    awaitReady(r);
    return r;
  }

  private void awaitReady(ReplicaState r) {
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                r.readyNode = r.actor.task(ReplicaActor::ready).remote().get(START_TIMEOUT);
              } catch (RuntimeException e) {
                r.startError = Errors.describe(e);
              }
              wake();
            });
  }

  @Override
  public void stop(ReplicaState r, long drainMillis) {
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                if (drainMillis > 0) {
                  // Let routers take the new table before the replica refuses requests.
                  Thread.sleep(100);
                  r.actor
                      .task(ReplicaActor::drain, drainMillis)
                      .remote()
                      .get(Duration.ofMillis(drainMillis + 5_000));
                }
              } catch (RuntimeException | InterruptedException e) {
                LOG.debug("replica {} did not drain: {}", r.id, e.toString());
              }
              try {
                Prism.kill(r.actor);
              } catch (RuntimeException e) {
                LOG.debug("replica {} could not be killed: {}", r.id, e.toString());
              }
              r.stopped = true;
              wake();
            });
  }

  @Override
  public void probe(ReplicaState r, DeploymentSpec spec, boolean health) {
    r.probing = true;
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                Duration limit = Duration.ofMillis(spec.healthTimeoutMillis());
                if (health) {
                  r.actor.task(ReplicaActor::checkHealth).remote().get(limit);
                }
                r.stats = r.actor.task(ReplicaActor::stats).remote().get(limit);
              } catch (RuntimeException e) {
                r.unhealthy = Errors.describe(e);
              } finally {
                r.probing = false;
              }
              wake();
            });
  }

  @Override
  public void reconfigure(ReplicaState r, Map<String, Object> userConfig) {
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                r.actor
                    .task(ReplicaActor::reconfigure, userConfig)
                    .remote()
                    .get(Duration.ofMinutes(1));
              } catch (RuntimeException e) {
                r.unhealthy = "reconfigure failed: " + Errors.describe(e);
              } finally {
                r.reconfiguring = false;
              }
              wake();
            });
  }

  @Override
  public void routesChanged() {
    routesDirty = true;
    stateDirty = true;
  }

  private synchronized void wake() {
    notifyAll();
  }
}
