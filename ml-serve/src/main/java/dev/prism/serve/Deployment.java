package dev.prism.serve;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A deployment: a class whose instances, the replicas, serve requests, with its options (Ray
 * Serve's {@code @serve.deployment}). Each replica is an actor in a worker process of the cluster,
 * made by the class's public constructor with the arguments given to {@link #bind}. {@link
 * #toBuilder()} derives a deployment with other options, as Ray's {@code .options()}.
 *
 * <pre>{@code
 * Deployment<Echo> echo = Deployment.builder(Echo.class).numReplicas(2).build();
 * DeploymentHandle<Echo> h = Serve.run(echo.bind(), "echo", "/echo");
 * }</pre>
 *
 * @param <T> the deployment's class
 */
public final class Deployment<T> {

  /** Ray Serve's default bound on the requests a replica runs at once. */
  public static final int DEFAULT_MAX_ONGOING_REQUESTS = 5;

  /** The default bound on requests waiting for a replica in one router. */
  public static final int DEFAULT_MAX_QUEUED_REQUESTS = 1000;

  private final Builder<T> b;

  private Deployment(Builder<T> b) {
    this.b = b;
  }

  /**
   * Starts a deployment of a class. The class must be public with a public constructor; its
   * instances are replicas. It may implement {@link HttpHandler} (to be an application's HTTP
   * ingress), {@link Reconfigurable} (user config), {@link HealthChecked} (own health check) and
   * {@link AutoCloseable} (called when a replica is stopped gracefully).
   *
   * @param type the class
   * @param <T> the class
   * @return a builder with Ray Serve's defaults: 1 replica, 5 ongoing requests, 1 CPU per replica
   */
  public static <T> Builder<T> builder(Class<T> type) {
    return new Builder<>(type);
  }

  /**
   * Binds constructor arguments, making an application whose ingress is this deployment. An
   * argument that is itself an {@link Application} is deployed with it and arrives in the
   * constructor as a {@link DeploymentHandle} to its ingress (composition). Other arguments must be
   * values Jackson can write and read back (records, strings, numbers, lists, maps, arrays): the
   * controller keeps them in its checkpoint.
   *
   * @param args the constructor's arguments
   * @return the application
   */
  public Application bind(Object... args) {
    return new Application(this, List.of(args.clone()));
  }

  /**
   * A builder with this deployment's class and options, to derive another.
   *
   * @return the builder
   */
  public Builder<T> toBuilder() {
    return b.copy();
  }

  /**
   * The class.
   *
   * @return it
   */
  public Class<T> type() {
    return b.type;
  }

  /**
   * The name (default: the class's simple name), unique in its application.
   *
   * @return it
   */
  public String name() {
    return b.name != null ? b.name : b.type.getSimpleName();
  }

  /**
   * The fixed replica count, when not autoscaling.
   *
   * @return it
   */
  public int numReplicas() {
    return b.numReplicas;
  }

  /**
   * The autoscaling config, or null for a fixed count.
   *
   * @return it
   */
  public AutoscalingConfig autoscaling() {
    return b.autoscaling;
  }

  /**
   * The most requests a replica runs at once.
   *
   * @return it
   */
  public int maxOngoingRequests() {
    return b.maxOngoing;
  }

  /**
   * The most requests waiting for a replica in one router before it answers {@link
   * BackPressureException} (503).
   *
   * @return it
   */
  public int maxQueuedRequests() {
    return b.maxQueued;
  }

  /**
   * The resources of each replica.
   *
   * @return them
   */
  public Map<String, Double> resources() {
    return Map.copyOf(b.resources);
  }

  /**
   * The user config given to {@link Reconfigurable#reconfigure}, or an empty map.
   *
   * @return it
   */
  public Map<String, Object> userConfig() {
    return b.userConfig;
  }

  /**
   * How often each replica's health is checked.
   *
   * @return it
   */
  public Duration healthCheckPeriod() {
    return b.healthPeriod;
  }

  /**
   * How long a health check may take.
   *
   * @return it
   */
  public Duration healthCheckTimeout() {
    return b.healthTimeout;
  }

  /**
   * How long a stopping replica may finish its requests before it is killed.
   *
   * @return it
   */
  public Duration gracefulShutdownTimeout() {
    return b.shutdownTimeout;
  }

  /**
   * The version: replicas of another version are replaced, one by one, by a new deployment of the
   * application. Default: derived from the class, the arguments and every option but the user
   * config and the replica count.
   *
   * @return the version set, or null for the derived one
   */
  public String version() {
    return b.version;
  }

  /**
   * The request timeout for calls through routers (408 over HTTP); zero for none.
   *
   * @return it
   */
  public Duration requestTimeout() {
    return b.requestTimeout;
  }

  @Override
  public String toString() {
    return "Deployment[" + name() + " of " + b.type.getName() + "]";
  }

  /**
   * Builds a {@link Deployment}; every setter validates its value at once.
   *
   * @param <T> the class
   */
  public static final class Builder<T> {
    private final Class<T> type;
    private String name;
    private int numReplicas = 1;
    private AutoscalingConfig autoscaling;
    private int maxOngoing = DEFAULT_MAX_ONGOING_REQUESTS;
    private int maxQueued = DEFAULT_MAX_QUEUED_REQUESTS;
    private Map<String, Double> resources = new LinkedHashMap<>(Map.of("CPU", 1.0));
    private Map<String, Object> userConfig = Map.of();
    private Duration healthPeriod = Duration.ofSeconds(10);
    private Duration healthTimeout = Duration.ofSeconds(30);
    private Duration shutdownTimeout = Duration.ofSeconds(20);
    private Duration requestTimeout = Duration.ZERO;
    private String version;

    private Builder(Class<T> type) {
      this.type = Objects.requireNonNull(type, "type");
      if (!java.lang.reflect.Modifier.isPublic(type.getModifiers())
          || type.isInterface()
          || java.lang.reflect.Modifier.isAbstract(type.getModifiers())) {
        throw new IllegalArgumentException(
            type.getName() + " cannot be a deployment: it must be a public, concrete class");
      }
    }

    private Builder<T> copy() {
      Builder<T> c = new Builder<>(type);
      c.name = name;
      c.numReplicas = numReplicas;
      c.autoscaling = autoscaling;
      c.maxOngoing = maxOngoing;
      c.maxQueued = maxQueued;
      c.resources = new LinkedHashMap<>(resources);
      c.userConfig = userConfig;
      c.healthPeriod = healthPeriod;
      c.healthTimeout = healthTimeout;
      c.shutdownTimeout = shutdownTimeout;
      c.requestTimeout = requestTimeout;
      c.version = version;
      return c;
    }

    /**
     * Sets the name.
     *
     * @param name letters, digits, {@code - _ .}
     * @return this builder
     */
    public Builder<T> name(String name) {
      if (name == null || !name.matches("[A-Za-z0-9._-]{1,100}")) {
        throw new IllegalArgumentException(
            "deployment name '" + name + "' must be 1-100 letters, digits, '.', '_' or '-'");
      }
      this.name = name;
      return this;
    }

    /**
     * Sets a fixed replica count (and turns autoscaling off).
     *
     * @param n 0 or more
     * @return this builder
     */
    public Builder<T> numReplicas(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("numReplicas is " + n + "; it must be >= 0");
      }
      this.numReplicas = n;
      this.autoscaling = null;
      return this;
    }

    /**
     * Turns autoscaling on.
     *
     * @param config the config
     * @return this builder
     */
    public Builder<T> autoscaling(AutoscalingConfig config) {
      this.autoscaling = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * Sets the most requests a replica runs at once (Ray's {@code max_ongoing_requests}).
     *
     * @param n 1 or more
     * @return this builder
     */
    public Builder<T> maxOngoingRequests(int n) {
      if (n < 1 || n > 10_000) {
        throw new IllegalArgumentException("maxOngoingRequests is " + n + "; it must be 1..10000");
      }
      this.maxOngoing = n;
      return this;
    }

    /**
     * Sets the most requests that wait for a replica in one router (Ray's {@code
     * max_queued_requests}); more are refused with 503.
     *
     * @param n 0 or more
     * @return this builder
     */
    public Builder<T> maxQueuedRequests(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("maxQueuedRequests is " + n + "; it must be >= 0");
      }
      this.maxQueued = n;
      return this;
    }

    /**
     * Sets one resource of each replica (CPU, GPU, memory, custom).
     *
     * @param name the resource
     * @param amount the amount, 0 to drop it
     * @return this builder
     */
    public Builder<T> resource(String name, double amount) {
      if (Objects.requireNonNull(name, "name").isBlank()
          || !(amount >= 0)
          || Double.isInfinite(amount)) {
        throw new IllegalArgumentException(
            "resource '" + name + "' = " + amount + ": the name must not be blank, amount >= 0");
      }
      if (amount > 1 && amount != Math.rint(amount) && !name.equals("memory")) {
        throw new IllegalArgumentException(
            "resource "
                + name
                + "="
                + amount
                + ": amounts above 1 must be whole numbers; use a fraction below 1 or a whole"
                + " number such as 2");
      }
      if (amount == 0) {
        resources.remove(name);
      } else {
        resources.put(name, amount);
      }
      return this;
    }

    /**
     * Sets the user config (applied through {@link Reconfigurable}).
     *
     * @param config JSON-like values
     * @return this builder
     */
    public Builder<T> userConfig(Map<String, Object> config) {
      this.userConfig = Map.copyOf(config);
      return this;
    }

    /**
     * Sets the health-check period and timeout.
     *
     * @param period how often
     * @param timeout how long one may take
     * @return this builder
     */
    public Builder<T> healthCheck(Duration period, Duration timeout) {
      if (period.isNegative() || period.isZero() || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException(
            "health check period " + period + " and timeout " + timeout + " must be > 0");
      }
      this.healthPeriod = period;
      this.healthTimeout = timeout;
      return this;
    }

    /**
     * Sets how long a stopping replica may finish its requests.
     *
     * @param timeout the grace
     * @return this builder
     */
    public Builder<T> gracefulShutdownTimeout(Duration timeout) {
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("gracefulShutdownTimeout " + timeout + " is negative");
      }
      this.shutdownTimeout = timeout;
      return this;
    }

    /**
     * Sets the timeout of each request (408 over HTTP); zero for none.
     *
     * @param timeout the timeout
     * @return this builder
     */
    public Builder<T> requestTimeout(Duration timeout) {
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("requestTimeout " + timeout + " is negative");
      }
      this.requestTimeout = timeout;
      return this;
    }

    /**
     * Sets the version explicitly.
     *
     * @param version any non-blank text
     * @return this builder
     */
    public Builder<T> version(String version) {
      if (version == null || version.isBlank()) {
        throw new IllegalArgumentException("version must not be blank");
      }
      this.version = version;
      return this;
    }

    /**
     * Builds the deployment.
     *
     * @return it
     */
    public Deployment<T> build() {
      return new Deployment<>(copy());
    }
  }
}
