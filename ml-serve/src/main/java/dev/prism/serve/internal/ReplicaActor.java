package dev.prism.serve.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prism.Prism;
import dev.prism.serve.BadRequestException;
import dev.prism.serve.DeploymentHandle;
import dev.prism.serve.HealthChecked;
import dev.prism.serve.HttpHandler;
import dev.prism.serve.HttpRequest;
import dev.prism.serve.HttpResponse;
import dev.prism.serve.Reconfigurable;
import dev.prism.serve.ReplicaContext;
import dev.prism.serve.ServeException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One replica of a deployment: an actor holding one instance of the deployment's class. It runs at
 * most {@code maxOngoing} requests at once and answers {@link Rejected} beyond that (another router
 * filled it) or while draining, so a router can try another replica.
 */
public final class ReplicaActor {

  private final DeploymentSpec spec;
  private final String replicaId;
  private final Object instance;
  private final MethodTable methods;
  private final AtomicInteger ongoing = new AtomicInteger();
  private final AtomicLong handled = new AtomicLong();
  private volatile boolean draining;

  /**
   * Makes the deployment's instance: its public constructor whose parameters take the bound
   * arguments, then {@link Reconfigurable#reconfigure} with the user config.
   *
   * @param spec the deployment
   * @param replicaId this replica's id
   * @throws Exception whatever the constructor or reconfigure threw
   */
  public ReplicaActor(DeploymentSpec spec, String replicaId) throws Exception {
    this.spec = spec;
    this.replicaId = replicaId;
    Class<?> type =
        Class.forName(spec.className(), true, Thread.currentThread().getContextClassLoader());
    this.methods = new MethodTable(type);
    Contexts.CURRENT.set(new ReplicaContext(spec.app(), spec.name(), replicaId, "", ""));
    try {
      this.instance = construct(type, Json.MAPPER.readTree(spec.argsJson()));
      if (instance instanceof Reconfigurable r && !spec.userConfig().isEmpty()) {
        r.reconfigure(spec.userConfig());
      }
    } finally {
      Contexts.CURRENT.remove();
    }
  }

  private static Object construct(Class<?> type, JsonNode args) throws Exception {
    List<Constructor<?>> fitting = new ArrayList<>();
    for (Constructor<?> c : type.getConstructors()) {
      if (c.getParameterCount() == args.size()) {
        fitting.add(c);
      }
    }
    if (fitting.isEmpty()) {
      throw new ServeException(
          type.getName() + " has no public constructor taking " + args.size() + " arguments");
    }
    ServeException last = null;
    for (Constructor<?> c : fitting) {
      Object[] values;
      try {
        values = arguments(c, args);
      } catch (ServeException e) {
        last = e;
        continue;
      }
      try {
        return c.newInstance(values);
      } catch (InvocationTargetException e) {
        throw unwrap(e);
      }
    }
    throw last;
  }

  private static Object[] arguments(Constructor<?> c, JsonNode args) {
    Object[] values = new Object[args.size()];
    java.lang.reflect.Type[] types = c.getGenericParameterTypes();
    for (int i = 0; i < values.length; i++) {
      JsonNode a = args.get(i);
      JsonNode h = a.isObject() ? a.get("$handle") : null;
      values[i] =
          h != null
              ? new DeploymentHandle<>(h.get("app").asText(), h.get("deployment").asText())
              : Json.convert(a, types[i]);
    }
    return values;
  }

  private static Exception unwrap(InvocationTargetException e) {
    Throwable t = e.getCause();
    if (t instanceof Exception ex) {
      return ex;
    }
    if (t instanceof Error err) {
      throw err;
    }
    return e;
  }

  /**
   * Answers once the constructor has run.
   *
   * @return the node this replica runs on
   */
  public String ready() {
    return Prism.runtimeContext().nodeId();
  }

  /**
   * Calls a method of the instance.
   *
   * @param call the call
   * @return its result, or {@link Rejected}
   * @throws Exception what the method threw
   */
  public Object call(Invocation call) throws Exception {
    if (!enter()) {
      return rejected();
    }
    try {
      Method m = methods.find(call.method(), call.args().size());
      Object r;
      Contexts.CURRENT.set(context(call.requestId(), call.modelId()));
      try {
        r = m.invoke(instance, call.args().toArray());
      } catch (InvocationTargetException e) {
        throw unwrap(e);
      } finally {
        Contexts.CURRENT.remove();
      }
      return awaitStage(r);
    } finally {
      leave();
    }
  }

  /**
   * Answers an HTTP request through the instance's {@link HttpHandler}.
   *
   * @param request the request
   * @param modelId the multiplexed model id, or empty
   * @return an {@link HttpResponse}, or {@link Rejected}
   */
  public Object http(HttpRequest request, String modelId) {
    if (!(instance instanceof HttpHandler handler)) {
      return error(
          500,
          request,
          "deployment "
              + spec.name()
              + " is its application's ingress but does not implement HttpHandler");
    }
    if (!enter()) {
      return rejected();
    }
    try {
      Contexts.CURRENT.set(context(request.requestId(), modelId));
      try {
        return toResponse(awaitStage(handler.handle(request)));
      } finally {
        Contexts.CURRENT.remove();
      }
    } catch (BadRequestException e) {
      return error(400, request, e.getMessage());
    } catch (Exception e) {
      return error(500, request, e.getClass().getSimpleName() + ": " + e.getMessage());
    } finally {
      leave();
    }
  }

  private ReplicaContext context(String requestId, String modelId) {
    return new ReplicaContext(spec.app(), spec.name(), replicaId, requestId, modelId);
  }

  private static Object awaitStage(Object r) throws Exception {
    if (r instanceof CompletionStage<?> stage) {
      try {
        return stage.toCompletableFuture().get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof Exception ex) {
          throw ex;
        }
        throw e;
      }
    }
    return r;
  }

  private static HttpResponse toResponse(Object r) {
    if (r instanceof HttpResponse resp) {
      return resp;
    }
    if (r == null) {
      return HttpResponse.of(204, "text/plain", new byte[0]);
    }
    if (r instanceof String s) {
      return HttpResponse.of(200, "text/plain; charset=utf-8", s.getBytes(StandardCharsets.UTF_8));
    }
    if (r instanceof byte[] b) {
      return HttpResponse.of(200, "application/octet-stream", b);
    }
    return HttpResponse.json(r);
  }

  private HttpResponse error(int status, HttpRequest request, String message) {
    return HttpResponse.json(
        status,
        Map.of(
            "error", message == null ? "" : message,
            "requestId", request.requestId(),
            "deployment", spec.name()));
  }

  private boolean enter() {
    if (draining) {
      return false;
    }
    if (ongoing.incrementAndGet() > spec.maxOngoing()) {
      ongoing.decrementAndGet();
      return false;
    }
    return true;
  }

  private void leave() {
    handled.incrementAndGet();
    if (ongoing.decrementAndGet() == 0 && draining) {
      synchronized (this) {
        notifyAll();
      }
    }
  }

  private Rejected rejected() {
    return new Rejected(
        draining
            ? "replica " + replicaId + " is stopping"
            : "replica " + replicaId + " already runs " + spec.maxOngoing() + " requests");
  }

  /**
   * Applies a new user config in place.
   *
   * @param userConfig the config
   * @return true
   * @throws Exception what {@link Reconfigurable#reconfigure} threw
   */
  public boolean reconfigure(Map<String, Object> userConfig) throws Exception {
    if (instance instanceof Reconfigurable r) {
      r.reconfigure(userConfig);
    }
    return true;
  }

  /**
   * Runs the instance's health check, if it has one.
   *
   * @return "ok"
   * @throws Exception when unhealthy
   */
  public String checkHealth() throws Exception {
    if (instance instanceof HealthChecked h) {
      h.checkHealth();
    }
    return "ok";
  }

  /**
   * What this replica is doing.
   *
   * @return its stats
   */
  public ReplicaStats stats() {
    return new ReplicaStats(ongoing.get(), handled.get(), LoadedModels.ids());
  }

  /**
   * Stops taking requests, waits for the running ones (at most {@code timeoutMillis}), then closes
   * the instance if it is {@link AutoCloseable}.
   *
   * @param timeoutMillis how long to wait
   * @return whether every request finished in time
   * @throws InterruptedException if interrupted
   */
  public boolean drain(long timeoutMillis) throws InterruptedException {
    draining = true;
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    synchronized (this) {
      while (ongoing.get() > 0) {
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) {
          break;
        }
        wait(Math.min(left, 100));
      }
    }
    boolean drained = ongoing.get() == 0;
    if (instance instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception ignored) {
        // the replica is going away; a failing close must not keep it
      }
    }
    return drained;
  }
}
