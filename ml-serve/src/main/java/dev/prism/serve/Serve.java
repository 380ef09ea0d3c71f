package dev.prism.serve;

import dev.prism.ActorHandle;
import dev.prism.ActorLifetime;
import dev.prism.Prism;
import dev.prism.SchedulingStrategy;
import dev.prism.serve.internal.AppBuilder;
import dev.prism.serve.internal.AppSpec;
import dev.prism.serve.internal.ServeClient;
import dev.prism.serve.internal.ServeController;
import java.time.Duration;
import java.util.Optional;

/**
 * Serving on a Prism cluster (Ray Serve's {@code serve} module): start Serve, run applications, get
 * handles, read the status, shut down. Serve's controller is a detached actor, so applications keep
 * running after the driver that deployed them exits; {@link #shutdown()} ends them.
 *
 * <pre>{@code
 * Prism.init();
 * DeploymentHandle<Echo> h = Serve.run(Deployment.builder(Echo.class).build().bind(), "echo", "/echo");
 * // curl -d '{"x":1}' http://127.0.0.1:8000/echo
 * }</pre>
 */
public final class Serve {

  /** How long {@link #run} waits for an application's replicas by default. */
  public static final Duration DEFAULT_DEPLOY_TIMEOUT = Duration.ofMinutes(5);

  private Serve() {}

  /**
   * Starts Serve with the default settings if it is not running.
   *
   * @throws dev.prism.PrismException if Prism is not initialized
   */
  public static void start() {
    start(ServeConfig.defaults());
  }

  /**
   * Starts Serve (its controller, and its proxies unless {@link ProxyLocation#DISABLED}) if it is
   * not running, and waits until its proxies listen. When Serve is running already, its settings
   * stay.
   *
   * @param config the settings
   * @throws ServeException when a proxy cannot start (a port in use, say)
   */
  public static void start(ServeConfig config) {
    controller(config);
    if (config.proxyLocation() != ProxyLocation.DISABLED) {
      awaitProxies(Duration.ofMinutes(2));
    }
  }

  private static ActorHandle<ServeController> controller(ServeConfig config) {
    Optional<ActorHandle<ServeController>> c = ServeClient.findController();
    if (c.isPresent()) {
      return c.get();
    }
    String node = Prism.runtimeContext().nodeId();
    try {
      return Prism.actor(ServeController::new, config, node)
          .setName(ServeClient.CONTROLLER_NAME)
          .setNamespace(ServeClient.NAMESPACE)
          .setLifetime(ActorLifetime.DETACHED)
          .setMaxRestarts(-1)
          .setMaxConcurrency(512)
          .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(node, true))
          .remote();
    } catch (RuntimeException raced) {
      return ServeClient.findController().orElseThrow(() -> raced);
    }
  }

  private static void awaitProxies(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      ServeStatus s = status();
      boolean up = !s.proxies().isEmpty();
      for (ServeStatus.Proxy p : s.proxies()) {
        if (p.state().equals("UNHEALTHY")) {
          throw new ServeException(
              "the Serve proxy on node " + p.nodeId() + " could not start; see its worker log");
        }
        up &= p.state().equals("HEALTHY");
      }
      if (up) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new ServeException("Serve's proxies did not start within " + timeout);
      }
      sleep(50);
    }
  }

  /**
   * Runs an application as {@code default} at route prefix {@code /}.
   *
   * @param app the application
   * @param <T> the ingress deployment's class
   * @return a handle to its ingress
   */
  public static <T> DeploymentHandle<T> run(Application app) {
    return run(app, "default", "/");
  }

  /**
   * Deploys or updates an application and waits until it runs: every deployment at its replica
   * target, all of the new version (an update replaces replicas one by one, without dropping
   * requests). Starts Serve with default settings if needed.
   *
   * @param app the application
   * @param name its name
   * @param routePrefix its HTTP route prefix ({@code /...}), or null for handles only
   * @param <T> the ingress deployment's class
   * @return a handle to its ingress
   * @throws ServeException when it fails to deploy (a constructor throws, a class is missing), with
   *     the reason
   * @throws IllegalArgumentException for a bad name or prefix, or a prefix in use
   */
  public static <T> DeploymentHandle<T> run(Application app, String name, String routePrefix) {
    return run(app, name, routePrefix, DEFAULT_DEPLOY_TIMEOUT);
  }

  /**
   * As {@link #run(Application, String, String)}, with a limit on the wait.
   *
   * @param app the application
   * @param name its name
   * @param routePrefix its route prefix, or null
   * @param timeout how long to wait for it to run
   * @param <T> the ingress deployment's class
   * @return a handle to its ingress
   */
  public static <T> DeploymentHandle<T> run(
      Application app, String name, String routePrefix, Duration timeout) {
    if (name == null || !name.matches("[A-Za-z0-9._-]{1,100}")) {
      throw new IllegalArgumentException(
          "application name '" + name + "' must be 1-100 letters, digits, '.', '_' or '-'");
    }
    if (routePrefix != null
        && (!routePrefix.startsWith("/")
            || (routePrefix.length() > 1 && routePrefix.endsWith("/"))
            || routePrefix.startsWith("/-/")
            || routePrefix.contains("?"))) {
      throw new IllegalArgumentException(
          "route prefix '"
              + routePrefix
              + "' must start with '/', not end with '/' (unless it is '/'), and not start with"
              + " '/-/' (Serve's own routes)");
    }
    AppSpec spec = AppBuilder.build(app, name, routePrefix);
    ServeConfig config = ServeConfig.defaults();
    boolean fresh = ServeClient.findController().isEmpty();
    ActorHandle<ServeController> c = controller(config);
    if (fresh) {
      awaitProxies(Duration.ofMinutes(2));
    }
    try {
      c.task(ServeController::deploy, spec).remote().get(Duration.ofSeconds(60));
    } catch (dev.prism.TaskException e) {
      if (e.getCause() instanceof IllegalArgumentException bad) {
        throw new IllegalArgumentException(bad.getMessage(), e);
      }
      throw e;
    }
    String state =
        c.task(ServeController::awaitApp, name, timeout.toMillis())
            .remote()
            .get(timeout.plusSeconds(30));
    if (state.startsWith("DEPLOY_FAILED")) {
      throw new ServeException("application " + name + " failed to deploy: " + state.substring(15));
    }
    if (!state.equals("RUNNING")) {
      throw new ServeException(
          "application " + name + " is not running after " + timeout + "; see Serve.status()");
    }
    // Let this process's routers see the new replicas before the caller uses them.
    ServeClient client = ServeClient.get();
    client.awaitVersion(c.task(ServeController::listen, 0L, 0L).remote().get().version(), timeout);
    return new DeploymentHandle<>(name, spec.ingress());
  }

  /**
   * Serve's state: proxies, applications, deployments, replicas.
   *
   * @return it
   * @throws ServeException when Serve is not running
   */
  public static ServeStatus status() {
    return controlCall(c -> c.task(ServeController::status).remote().get(Duration.ofSeconds(30)));
  }

  /**
   * A call to the controller, tried again for up to a minute while the controller restarts after
   * its process died.
   */
  private static <R> R controlCall(
      java.util.function.Function<ActorHandle<ServeController>, R> call) {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (true) {
      try {
        return call.apply(ServeClient.get().controller());
      } catch (dev.prism.ActorDiedException e) {
        if (System.nanoTime() > deadline || !ServeClient.findController().isPresent()) {
          throw e;
        }
        sleep(200);
      }
    }
  }

  /**
   * The base URL of the first healthy proxy ({@code http://host:port}).
   *
   * @return it
   * @throws ServeException when no proxy is healthy
   */
  public static String httpUrl() {
    return status().proxies().stream()
        .filter(p -> p.state().equals("HEALTHY"))
        .map(ServeStatus.Proxy::url)
        .findFirst()
        .orElseThrow(() -> new ServeException("no Serve proxy is healthy"));
  }

  /**
   * A handle to an application's ingress.
   *
   * @param app the application
   * @param <T> the ingress deployment's class
   * @return the handle
   * @throws ServeException when there is no such application
   */
  public static <T> DeploymentHandle<T> getAppHandle(String app) {
    ServeStatus.App a = status().applications().get(app);
    if (a == null) {
      throw new ServeException("no application " + app + " is deployed");
    }
    String ingress = a.deployments().keySet().iterator().next();
    return new DeploymentHandle<>(app, ingress);
  }

  /**
   * A handle to a deployment of an application.
   *
   * @param deployment the deployment
   * @param app the application
   * @param <T> the deployment's class
   * @return the handle
   */
  public static <T> DeploymentHandle<T> getDeploymentHandle(String deployment, String app) {
    return new DeploymentHandle<>(app, deployment);
  }

  /**
   * Deletes an application and waits until its replicas stopped.
   *
   * @param app the application
   * @return whether it existed
   */
  public static boolean delete(String app) {
    boolean existed =
        controlCall(
            c -> c.task(ServeController::deleteApp, app).remote().get(Duration.ofSeconds(30)));
    controlCall(
        c -> c.task(ServeController::awaitDeleted, 120_000L).remote().get(Duration.ofMinutes(3)));
    return existed;
  }

  /**
   * Shuts Serve down: every application's replicas stop (gracefully), the proxies and the
   * controller end. Does nothing when Serve is not running.
   */
  public static void shutdown() {
    Optional<ActorHandle<ServeController>> c = ServeClient.findController();
    ServeClient.reset();
    if (c.isEmpty()) {
      return;
    }
    try {
      c.get().task(ServeController::shutdown, 60_000L).remote().get(Duration.ofSeconds(90));
    } finally {
      Prism.kill(c.get());
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServeException("interrupted", e);
    }
  }
}
