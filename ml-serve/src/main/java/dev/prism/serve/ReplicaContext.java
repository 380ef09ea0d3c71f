package dev.prism.serve;

import java.util.Optional;

/**
 * Where the calling code runs inside a replica (Ray Serve's {@code get_replica_context()} and
 * {@code get_multiplexed_model_id()}): the application, deployment and replica, and the request
 * being answered on this thread.
 *
 * @param app the application's name
 * @param deployment the deployment's name
 * @param replicaId the replica's id, unique in the deployment
 * @param requestId the id of the request this thread answers, or empty outside a request
 * @param modelId the model id the request asks for ({@code serve_multiplexed_model_id} header, or
 *     {@link DeploymentHandle#withModelId}), or empty
 */
public record ReplicaContext(
    String app, String deployment, String replicaId, String requestId, String modelId) {

  /**
   * The context of the calling thread.
   *
   * @return it, or empty outside a replica's request or constructor
   */
  public static Optional<ReplicaContext> current() {
    return Optional.ofNullable(dev.prism.serve.internal.Contexts.CURRENT.get());
  }
}
