package dev.prism.serve.internal;

import java.util.Map;
import java.util.Objects;

/**
 * A deployment as the controller keeps it: plain values only, so that it travels to actors and into
 * the controller's JSON checkpoint alike.
 *
 * @param app the application's name
 * @param name the deployment's name
 * @param className the class of its replicas
 * @param argsJson the constructor's arguments as a JSON array; handles to other deployments as
 *     {@code {"$handle": {"app": A, "deployment": D}}}
 * @param numReplicas the fixed replica count (when {@code autoscaling} is null)
 * @param autoscaling the autoscaling settings, or null
 * @param maxOngoing the most requests one replica runs at once
 * @param maxQueued the most requests waiting in one router
 * @param resources the resources of each replica
 * @param userConfig the user config
 * @param healthPeriodMillis health-check period
 * @param healthTimeoutMillis health-check timeout
 * @param shutdownMillis graceful shutdown timeout
 * @param requestTimeoutMillis request timeout, 0 for none
 * @param version the version: replicas of another are replaced
 */
public record DeploymentSpec(
    String app,
    String name,
    String className,
    String argsJson,
    int numReplicas,
    AutoscalingSpec autoscaling,
    int maxOngoing,
    int maxQueued,
    Map<String, Double> resources,
    Map<String, Object> userConfig,
    long healthPeriodMillis,
    long healthTimeoutMillis,
    long shutdownMillis,
    long requestTimeoutMillis,
    String version) {

  /**
   * Checks the fields.
   *
   * @param app app
   * @param name name
   * @param className class
   * @param argsJson args
   * @param numReplicas replicas
   * @param autoscaling autoscaling
   * @param maxOngoing ongoing
   * @param maxQueued queued
   * @param resources resources
   * @param userConfig user config
   * @param healthPeriodMillis period
   * @param healthTimeoutMillis timeout
   * @param shutdownMillis shutdown
   * @param requestTimeoutMillis request timeout
   * @param version version
   */
  public DeploymentSpec {
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(className, "className");
    Objects.requireNonNull(argsJson, "argsJson");
    resources = Map.copyOf(resources);
    userConfig = userConfig == null ? Map.of() : Map.copyOf(userConfig);
    Objects.requireNonNull(version, "version");
  }

  /**
   * The key of this deployment among all applications.
   *
   * @return {@code app/name}
   */
  public String key() {
    return key(app, name);
  }

  /**
   * The key of a deployment.
   *
   * @param app the application
   * @param name the deployment
   * @return {@code app/name}
   */
  public static String key(String app, String name) {
    return app + "/" + name;
  }

  /**
   * The replica count to start with.
   *
   * @return it
   */
  public int initialReplicas() {
    return autoscaling == null ? numReplicas : autoscaling.initial();
  }

  /**
   * Whether only the replica count, autoscaling, queue bound, timeouts or user config differ from
   * another spec of the same deployment: then running replicas stay.
   *
   * @param other the other
   * @return whether replicas can be kept
   */
  public boolean sameReplicasAs(DeploymentSpec other) {
    return other != null
        && version.equals(other.version)
        && className.equals(other.className)
        && argsJson.equals(other.argsJson)
        && maxOngoing == other.maxOngoing
        && resources.equals(other.resources);
  }

  /**
   * The autoscaling part.
   *
   * @param min fewest replicas
   * @param max most replicas
   * @param initial to start with
   * @param target ongoing requests per replica to aim at
   * @param upscaleMillis delay before going up
   * @param downscaleMillis delay before going down
   * @param lookBackMillis averaging window
   */
  public record AutoscalingSpec(
      int min,
      int max,
      int initial,
      double target,
      long upscaleMillis,
      long downscaleMillis,
      long lookBackMillis) {}
}
