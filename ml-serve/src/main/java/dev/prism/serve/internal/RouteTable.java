package dev.prism.serve.internal;

import dev.prism.ActorHandle;
import java.util.List;
import java.util.Map;

/**
 * What routers need to know, as the controller publishes it: a version that grows with every
 * change, the HTTP routes, and the running replicas of every deployment.
 *
 * @param version the version
 * @param routes route prefix to application, longest prefix first
 * @param deployments deployment key ({@code app/name}) to its route
 */
public record RouteTable(
    long version, List<Route> routes, Map<String, DeploymentRoute> deployments) {

  /** The table before the controller published anything. */
  public static final RouteTable EMPTY = new RouteTable(0, List.of(), Map.of());

  /**
   * One HTTP route.
   *
   * @param prefix the route prefix
   * @param app the application
   * @param ingressKey the key of its ingress deployment
   */
  public record Route(String prefix, String app, String ingressKey) {}

  /**
   * Where a deployment's requests may go.
   *
   * @param key its key
   * @param maxOngoing per-replica bound
   * @param maxQueued per-router queue bound
   * @param requestTimeoutMillis request timeout, 0 for none
   * @param replicas its running replicas
   */
  public record DeploymentRoute(
      String key,
      int maxOngoing,
      int maxQueued,
      long requestTimeoutMillis,
      List<ReplicaRoute> replicas) {}

  /**
   * A running replica.
   *
   * @param id its id
   * @param actor its actor
   * @param nodeId its node
   * @param modelIds the multiplexed models it had loaded when last asked
   */
  public record ReplicaRoute(
      String id, ActorHandle<ReplicaActor> actor, String nodeId, List<String> modelIds) {}
}
