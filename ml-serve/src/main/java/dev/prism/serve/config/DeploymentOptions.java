package dev.prism.serve.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prism.serve.AutoscalingConfig;
import dev.prism.serve.Deployment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One entry of an application's {@code deployments:} list: options that override those of the
 * deployment of that name in the application its import path builds (as Ray Serve's config file
 * overrides the options set in code). Keys left out keep the code's value.
 */
final class DeploymentOptions {

  static final List<String> KEYS =
      List.of(
          "name",
          "num_replicas",
          "max_ongoing_requests",
          "max_queued_requests",
          "autoscaling_config",
          "user_config",
          "ray_actor_options",
          "health_check_period_s",
          "health_check_timeout_s",
          "graceful_shutdown_timeout_s",
          "request_timeout_s",
          "version");

  private static final Map<String, String> UNSUPPORTED =
      Map.of(
          "graceful_shutdown_wait_loop_s",
          "a stopping replica finishes its requests within graceful_shutdown_timeout_s",
          "placement_group_bundles",
          "give the replica's resources in ray_actor_options",
          "placement_group_strategy",
          "give the replica's resources in ray_actor_options",
          "max_replicas_per_node",
          "leave it out",
          "logging_config",
          "replicas log through SLF4J in their worker's log",
          "request_router_config",
          "replicas are chosen by power of two choices",
          "max_concurrent_queries",
          "it is called max_ongoing_requests",
          "route_prefix",
          "give route_prefix on the application",
          "is_driver_deployment",
          "leave it out");

  static final List<String> AUTOSCALING_KEYS =
      List.of(
          "min_replicas",
          "max_replicas",
          "initial_replicas",
          "target_ongoing_requests",
          "upscale_delay_s",
          "downscale_delay_s",
          "look_back_period_s");

  private static final Map<String, String> AUTOSCALING_UNSUPPORTED =
      Map.of(
          "metrics_interval_s", "routers report their load every 100 ms",
          "smoothing_factor", "leave it out",
          "upscale_smoothing_factor", "leave it out",
          "downscale_smoothing_factor", "leave it out",
          "upscaling_factor", "leave it out",
          "downscaling_factor", "leave it out",
          "target_num_ongoing_requests_per_replica", "it is called target_ongoing_requests",
          "policy", "the policy is fixed: target_ongoing_requests per replica");

  static final List<String> ACTOR_OPTION_KEYS =
      List.of("num_cpus", "num_gpus", "memory", "resources");

  private static final Map<String, String> ACTOR_OPTION_UNSUPPORTED =
      Map.of(
          "runtime_env",
          "put the classes on the cluster's class path (prism start --code-search-path)",
          "accelerator_type",
          "give a custom resource in resources",
          "object_store_memory",
          "leave it out");

  /**
   * Ray Serve's {@code num_replicas: auto}: autoscaling from 1 to 100 replicas, 2 ongoing requests
   * per replica.
   */
  static final AutoscalingConfig AUTO =
      AutoscalingConfig.builder().minReplicas(1).maxReplicas(100).targetOngoingRequests(2).build();

  final String path;
  final String name;
  private Integer numReplicas;
  private boolean auto;
  private Autoscaling autoscaling;
  private Integer maxOngoing;
  private Integer maxQueued;
  private Map<String, Object> userConfig;
  private Double cpus;
  private Double gpus;
  private Double memory;
  private Map<String, Double> resources = Map.of();
  private Duration healthPeriod;
  private Duration healthTimeout;
  private Duration shutdownTimeout;
  private Duration requestTimeout;
  private String version;

  private DeploymentOptions(String path, String name) {
    this.path = path;
    this.name = name;
  }

  /** The autoscaling keys given (the others keep the code's values). */
  private record Autoscaling(
      String path,
      Integer min,
      Integer max,
      Integer initial,
      Double target,
      Duration up,
      Duration down,
      Duration lookBack) {}

  static DeploymentOptions parse(String path, JsonNode value) {
    ConfigNode n = ConfigNode.of(path, value, KEYS, UNSUPPORTED);
    String name =
        n.string("name")
            .orElseThrow(
                () ->
                    ConfigNode.bad(
                        n.path("name"),
                        "missing: each entry names the deployment of the application whose"
                            + " options it sets"));
    DeploymentOptions o = new DeploymentOptions(path, name);
    JsonNode replicas = n.get("num_replicas");
    if (replicas != null && replicas.isTextual()) {
      if (!replicas.asText().equals("auto")) {
        throw ConfigNode.bad(
            n.path("num_replicas"),
            ConfigNode.describe(replicas) + " is not a whole number or 'auto'");
      }
      o.auto = true;
    } else {
      o.numReplicas = n.integer("num_replicas", 0).orElse(null);
    }
    o.autoscaling = n.mapping("autoscaling_config").map(a -> autoscaling(n, a)).orElse(null);
    if (o.numReplicas != null && o.autoscaling != null) {
      throw ConfigNode.bad(
          path,
          "give num_replicas or autoscaling_config, not both (num_replicas: auto goes with"
              + " autoscaling_config)");
    }
    o.maxOngoing = n.integer("max_ongoing_requests", 1, 10_000).orElse(null);
    JsonNode queued = n.get("max_queued_requests");
    if (queued != null && queued.isIntegralNumber() && queued.asLong() == -1) {
      o.maxQueued = Integer.MAX_VALUE; // Ray's -1: no bound
    } else {
      o.maxQueued = n.integer("max_queued_requests", 0).orElse(null);
    }
    o.userConfig = n.values("user_config").orElse(null);
    n.mapping("ray_actor_options")
        .ifPresent(
            a -> {
              ConfigNode r =
                  ConfigNode.of(
                      n.path("ray_actor_options"), a, ACTOR_OPTION_KEYS, ACTOR_OPTION_UNSUPPORTED);
              o.cpus = r.number("num_cpus", 0, false).orElse(null);
              o.gpus = r.number("num_gpus", 0, false).orElse(null);
              o.memory = r.number("memory", 0, false).orElse(null);
              o.resources = r.amounts("resources").orElse(Map.of());
              for (String reserved : List.of("CPU", "GPU", "memory")) {
                if (o.resources.containsKey(reserved)) {
                  throw ConfigNode.bad(
                      r.path("resources") + "." + reserved,
                      "give "
                          + reserved
                          + " as "
                          + (reserved.equals("CPU")
                              ? "num_cpus"
                              : reserved.equals("GPU") ? "num_gpus" : "memory")
                          + " in ray_actor_options");
                }
              }
            });
    o.healthPeriod = n.seconds("health_check_period_s", false).orElse(null);
    o.healthTimeout = n.seconds("health_check_timeout_s", false).orElse(null);
    o.shutdownTimeout = n.seconds("graceful_shutdown_timeout_s", true).orElse(null);
    o.requestTimeout = n.seconds("request_timeout_s", true).orElse(null);
    o.version = n.text("version").orElse(null);
    return o;
  }

  private static Autoscaling autoscaling(ConfigNode parent, JsonNode value) {
    ConfigNode a =
        ConfigNode.of(
            parent.path("autoscaling_config"), value, AUTOSCALING_KEYS, AUTOSCALING_UNSUPPORTED);
    return new Autoscaling(
        a.path(),
        a.integer("min_replicas", 0).orElse(null),
        a.integer("max_replicas", 1).orElse(null),
        a.integer("initial_replicas", 0).orElse(null),
        a.number("target_ongoing_requests", 0, true).orElse(null),
        a.seconds("upscale_delay_s", true).orElse(null),
        a.seconds("downscale_delay_s", true).orElse(null),
        a.seconds("look_back_period_s", false).orElse(null));
  }

  /**
   * The deployment with these options over its own.
   *
   * @param d the deployment the code built
   * @param <T> its class
   * @return the new deployment
   */
  <T> Deployment<T> apply(Deployment<T> d) {
    Deployment.Builder<T> b = d.toBuilder();
    try {
      if (numReplicas != null) {
        b.numReplicas(numReplicas);
      }
      if (auto || autoscaling != null) {
        b.autoscaling(autoscaling(d));
      }
      if (maxOngoing != null) {
        b.maxOngoingRequests(maxOngoing);
      }
      if (maxQueued != null) {
        b.maxQueuedRequests(maxQueued);
      }
      if (userConfig != null) {
        b.userConfig(userConfig);
      }
      if (cpus != null) {
        b.resource("CPU", cpus);
      }
      if (gpus != null) {
        b.resource("GPU", gpus);
      }
      if (memory != null) {
        b.resource("memory", memory);
      }
      resources.forEach(b::resource);
      if (healthPeriod != null || healthTimeout != null) {
        b.healthCheck(
            Optional.ofNullable(healthPeriod).orElse(d.healthCheckPeriod()),
            Optional.ofNullable(healthTimeout).orElse(d.healthCheckTimeout()));
      }
      if (shutdownTimeout != null) {
        b.gracefulShutdownTimeout(shutdownTimeout);
      }
      if (requestTimeout != null) {
        b.requestTimeout(requestTimeout);
      }
      if (version != null) {
        b.version(version);
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(path)) {
        throw e;
      }
      throw ConfigNode.bad(path, e.getMessage());
    }
  }

  /**
   * The autoscaling config: the keys given over the code's config (or, without one, Ray's defaults
   * for {@code num_replicas: auto} or for an {@code autoscaling_config}).
   */
  private AutoscalingConfig autoscaling(Deployment<?> d) {
    AutoscalingConfig base =
        d.autoscaling() != null
            ? d.autoscaling()
            : auto ? AUTO : AutoscalingConfig.builder().build();
    Autoscaling a =
        autoscaling != null
            ? autoscaling
            : new Autoscaling(path, null, null, null, null, null, null, null);
    int min = a.min() != null ? a.min() : base.minReplicas();
    int max = a.max() != null ? a.max() : base.maxReplicas();
    if (max < min) {
      throw ConfigNode.bad(
          a.path(),
          "max_replicas " + max + " is less than min_replicas " + min + "; raise max_replicas");
    }
    int initial =
        a.initial() != null ? a.initial() : Math.min(max, Math.max(min, base.initialReplicas()));
    if (initial < min || initial > max) {
      throw ConfigNode.bad(
          a.path() + ".initial_replicas",
          initial + " is not within min_replicas..max_replicas (" + min + ".." + max + ")");
    }
    return new AutoscalingConfig(
        min,
        max,
        initial,
        a.target() != null ? a.target() : base.targetOngoingRequests(),
        a.up() != null ? a.up() : base.upscaleDelay(),
        a.down() != null ? a.down() : base.downscaleDelay(),
        a.lookBack() != null ? a.lookBack() : base.lookBackPeriod());
  }
}
