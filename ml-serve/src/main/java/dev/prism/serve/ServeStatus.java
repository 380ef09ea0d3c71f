package dev.prism.serve;

import java.util.List;
import java.util.Map;

/**
 * Serve's state on a cluster (Ray Serve's {@code serve.status()}).
 *
 * @param proxies the HTTP proxies
 * @param applications the applications by name
 */
public record ServeStatus(List<Proxy> proxies, Map<String, App> applications) {

  /**
   * An HTTP proxy.
   *
   * @param nodeId its node
   * @param url its base URL ({@code http://host:port}), empty while starting
   * @param state STARTING, HEALTHY or UNHEALTHY
   */
  public record Proxy(String nodeId, String url, String state) {}

  /**
   * An application.
   *
   * @param name its name
   * @param routePrefix its route prefix, or empty for none
   * @param status DEPLOYING, RUNNING or DEPLOY_FAILED
   * @param message why, when failed
   * @param deployments its deployments by name
   */
  public record App(
      String name,
      String routePrefix,
      String status,
      String message,
      Map<String, DeploymentStatus> deployments) {}

  /**
   * A deployment.
   *
   * @param name its name
   * @param status HEALTHY, UPDATING, UPSCALING, DOWNSCALING, UNHEALTHY or DEPLOY_FAILED
   * @param message why, when unhealthy or failed
   * @param targetReplicas how many replicas it should have now
   * @param replicas its replicas
   */
  public record DeploymentStatus(
      String name, String status, String message, int targetReplicas, List<Replica> replicas) {

    /**
     * The replicas that are running.
     *
     * @return the count
     */
    public long running() {
      return replicas.stream().filter(r -> r.state().equals("RUNNING")).count();
    }
  }

  /**
   * A replica.
   *
   * @param id its id
   * @param state STARTING, RUNNING or STOPPING
   * @param nodeId its node, empty while starting
   * @param version its deployment version
   */
  public record Replica(String id, String state, String nodeId, String version) {}
}
