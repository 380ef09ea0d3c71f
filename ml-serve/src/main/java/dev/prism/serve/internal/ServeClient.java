package dev.prism.serve.internal;

import dev.prism.ActorHandle;
import dev.prism.Prism;
import dev.prism.serve.ServeException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's link to the Serve controller: the route table, kept current by a long poll; one
 * {@link Router} per deployment it calls; the routers' load reported to the controller for
 * autoscaling; replicas found dead reported at once.
 */
public final class ServeClient {

  /** The controller actor's name. */
  public static final String CONTROLLER_NAME = "SERVE_CONTROLLER";

  /** The namespace of Serve's actors. */
  public static final String NAMESPACE = "serve";

  /** How often routers' load goes to the controller. */
  static final long LOAD_REPORT_MILLIS = 100;

  private static final Logger LOG = LoggerFactory.getLogger(ServeClient.class);
  private static volatile ServeClient instance;

  private final String routerId = UUID.randomUUID().toString();
  private final String nodeId = Prism.runtimeContext().nodeId();
  private final Map<String, Router> routers = new ConcurrentHashMap<>();
  private final List<Consumer<RouteTable>> listeners = new CopyOnWriteArrayList<>();
  private volatile RouteTable table = RouteTable.EMPTY;
  private volatile ActorHandle<ServeController> controller;
  private volatile boolean closed;
  private final Thread poller;
  private final Thread reporter;

  private ServeClient() {
    poller = Thread.ofPlatform().daemon().name("prism-serve-routes").unstarted(this::poll);
    reporter = Thread.ofPlatform().daemon().name("prism-serve-load").unstarted(this::report);
  }

  /**
   * This process's client, started on first use.
   *
   * @return it
   */
  public static ServeClient get() {
    ServeClient c = instance;
    if (c == null) {
      synchronized (ServeClient.class) {
        c = instance;
        if (c == null) {
          c = new ServeClient();
          c.poller.start();
          c.reporter.start();
          instance = c;
        }
      }
    }
    return c;
  }

  /** Stops this process's client (Serve shut down): waiting requests fail. */
  public static void reset() {
    ServeClient c;
    synchronized (ServeClient.class) {
      c = instance;
      instance = null;
    }
    if (c != null) {
      c.closed = true;
      c.poller.interrupt();
      c.reporter.interrupt();
      c.routers.values().forEach(Router::close);
    }
  }

  /**
   * Finds the controller.
   *
   * @return its handle
   * @throws ServeException when Serve is not running
   */
  public ActorHandle<ServeController> controller() {
    ActorHandle<ServeController> c = controller;
    if (c == null) {
      Optional<ActorHandle<ServeController>> found = findController();
      if (found.isEmpty()) {
        throw new ServeException(
            "Serve is not running on this cluster: call Serve.start or Serve.run");
      }
      c = found.get();
      controller = c;
    }
    return c;
  }

  /**
   * Looks the controller up by name.
   *
   * @return its handle, or empty
   */
  public static Optional<ActorHandle<ServeController>> findController() {
    return Prism.getActor(CONTROLLER_NAME, NAMESPACE);
  }

  /**
   * The router of a deployment.
   *
   * @param key the deployment's key
   * @return its router
   */
  public Router router(String key) {
    return routers.computeIfAbsent(
        key,
        k -> {
          Router r = new Router(k, nodeId, id -> replicaDied(k, id));
          r.update(table.deployments().get(k));
          return r;
        });
  }

  /**
   * The route table as last published.
   *
   * @return it
   */
  public RouteTable table() {
    return table;
  }

  /**
   * Waits until the route table has at least a version.
   *
   * @param version the version
   * @param timeout how long to wait
   * @return whether it arrived
   */
  public boolean awaitVersion(long version, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (table.version() < version) {
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) {
          return false;
        }
        try {
          wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  /**
   * Calls a listener with every new route table (and now with the current one).
   *
   * @param listener the listener
   */
  public void listen(Consumer<RouteTable> listener) {
    listeners.add(listener);
    listener.accept(table);
  }

  private void replicaDied(String key, String replicaId) {
    try {
      controller().task(ServeController::replicaDied, key, replicaId).remote();
    } catch (RuntimeException e) {
      LOG.debug("could not tell the controller that replica {} died: {}", replicaId, e.toString());
    }
  }

  private void apply(RouteTable next) {
    for (Map.Entry<String, Router> e : routers.entrySet()) {
      e.getValue().update(next.deployments().get(e.getKey()));
    }
    synchronized (this) {
      table = next;
      notifyAll();
    }
    for (Consumer<RouteTable> l : listeners) {
      l.accept(next);
    }
  }

  private void poll() {
    while (!closed) {
      try {
        RouteTable next =
            controller()
                .task(ServeController::listen, table.version(), 5_000L)
                .remote()
                .get(Duration.ofSeconds(20));
        if (next != null && next.version() != table.version()) {
          apply(next);
        }
      } catch (RuntimeException e) {
        if (closed) {
          return;
        }
        controller = null;
        LOG.debug("route poll failed, retrying: {}", e.toString());
        try {
          Thread.sleep(200);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private void report() {
    Map<String, Integer> last = new HashMap<>();
    while (!closed) {
      try {
        Thread.sleep(LOAD_REPORT_MILLIS);
        Map<String, Integer> now = new HashMap<>();
        routers.forEach((k, r) -> now.put(k, r.load()));
        boolean busy = now.values().stream().anyMatch(v -> v > 0);
        if (busy || !now.equals(last)) {
          controller().task(ServeController::reportLoad, routerId, now).remote();
          last = now;
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        controller = null;
        LOG.debug("load report failed: {}", e.toString());
      }
    }
  }
}
