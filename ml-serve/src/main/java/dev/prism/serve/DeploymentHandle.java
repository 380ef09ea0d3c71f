package dev.prism.serve;

import dev.prism.ObjectRef;
import dev.prism.function.PrismFunc;
import dev.prism.function.PrismFunc1;
import dev.prism.function.PrismFunc2;
import dev.prism.function.PrismFunc3;
import dev.prism.function.PrismFunc4;
import dev.prism.serve.internal.DeploymentSpec;
import dev.prism.serve.internal.Invocation;
import dev.prism.serve.internal.MethodRefs;
import dev.prism.serve.internal.ReplicaActor;
import dev.prism.serve.internal.RouteTable;
import dev.prism.serve.internal.ServeClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Calls a deployment's methods from any process of the cluster, a driver or another deployment's
 * replica (Ray Serve's {@code DeploymentHandle}): each call goes through this process's router for
 * the deployment (power of two choices over its replicas, queueing and retries) and returns a
 * {@link DeploymentResponse} at once. A handle is a small value: pass it to constructors and
 * methods of other deployments. Name the method by reference, {@code handle.call(Model::predict,
 * x)}; methods must not be overloaded.
 *
 * @param <T> the deployment's class
 */
public final class DeploymentHandle<T> {

  private final String app;
  private final String deployment;
  private final String modelId;
  private final long timeoutMillis;

  /**
   * A handle to a deployment; {@link Serve#getDeploymentHandle} is the usual way to get one.
   *
   * @param app the application
   * @param deployment the deployment
   */
  public DeploymentHandle(String app, String deployment) {
    this(app, deployment, "", -1);
  }

  private DeploymentHandle(String app, String deployment, String modelId, long timeoutMillis) {
    this.app = Objects.requireNonNull(app, "app");
    this.deployment = Objects.requireNonNull(deployment, "deployment");
    this.modelId = modelId;
    this.timeoutMillis = timeoutMillis;
  }

  /**
   * The application.
   *
   * @return its name
   */
  public String app() {
    return app;
  }

  /**
   * The deployment.
   *
   * @return its name
   */
  public String deployment() {
    return deployment;
  }

  /**
   * A handle whose calls ask for a multiplexed model: routed to a replica that has it loaded when
   * there is one, and seen by the replica in {@link ReplicaContext#modelId()}.
   *
   * @param id the model id
   * @return the new handle
   */
  public DeploymentHandle<T> withModelId(String id) {
    return new DeploymentHandle<>(app, deployment, Objects.requireNonNull(id, "id"), timeoutMillis);
  }

  /**
   * A handle whose calls time out after {@code timeout} (instead of the deployment's request
   * timeout).
   *
   * @param timeout the timeout, zero for none
   * @return the new handle
   */
  public DeploymentHandle<T> withTimeout(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout " + timeout + " is negative");
    }
    return new DeploymentHandle<>(app, deployment, modelId, timeout.toMillis());
  }

  /**
   * Calls a method without arguments.
   *
   * @param method the method, {@code Model::name}
   * @param <R> its result
   * @return the pending result
   */
  public <R> DeploymentResponse<R> call(PrismFunc1<T, R> method) {
    return send(method);
  }

  /**
   * Calls a method with one argument.
   *
   * @param method the method
   * @param a0 the argument
   * @param <A0> its type
   * @param <R> the result
   * @return the pending result
   */
  public <A0, R> DeploymentResponse<R> call(PrismFunc2<T, A0, R> method, A0 a0) {
    return send(method, a0);
  }

  /**
   * Calls a method with two arguments.
   *
   * @param method the method
   * @param a0 the first argument
   * @param a1 the second
   * @param <A0> its type
   * @param <A1> its type
   * @param <R> the result
   * @return the pending result
   */
  public <A0, A1, R> DeploymentResponse<R> call(PrismFunc3<T, A0, A1, R> method, A0 a0, A1 a1) {
    return send(method, a0, a1);
  }

  /**
   * Calls a method with three arguments.
   *
   * @param method the method
   * @param a0 the first argument
   * @param a1 the second
   * @param a2 the third
   * @param <A0> its type
   * @param <A1> its type
   * @param <A2> its type
   * @param <R> the result
   * @return the pending result
   */
  public <A0, A1, A2, R> DeploymentResponse<R> call(
      PrismFunc4<T, A0, A1, A2, R> method, A0 a0, A1 a1, A2 a2) {
    return send(method, a0, a1, a2);
  }

  @SuppressWarnings("unchecked")
  private <R> DeploymentResponse<R> send(PrismFunc method, Object... args) {
    Invocation call =
        new Invocation(
            MethodRefs.name(method), Arrays.asList(args), UUID.randomUUID().toString(), modelId);
    String key = DeploymentSpec.key(app, deployment);
    Duration timeout = timeoutMillis < 0 ? null : Duration.ofMillis(timeoutMillis);
    CompletableFuture<Object> sent =
        ServeClient.get().router(key).sendAsync(replica -> invoke(replica, call), modelId, timeout);
    return new DeploymentResponse<>((CompletableFuture<R>) (CompletableFuture<?>) sent);
  }

  @SuppressWarnings("unchecked")
  private static ObjectRef<Object> invoke(RouteTable.ReplicaRoute replica, Invocation call) {
    return replica.actor().task(ReplicaActor::call, call).remote();
  }

  @Override
  public String toString() {
    return "DeploymentHandle["
        + app
        + "/"
        + deployment
        + (modelId.isEmpty() ? "" : " model " + modelId)
        + "]";
  }
}
