package dev.prism.runtime.gcs;

import dev.prism.runtime.security.ClusterToken;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;

/**
 * Immutable configuration of a {@link GcsServer}. Build one with {@link #builder()}.
 *
 * @param host the address to bind (an IP literal or host name; {@code 127.0.0.1} keeps the GCS on
 *     loopback)
 * @param port the port to bind; 0 picks a free ephemeral port
 * @param nodeTimeout how long a node may go without a resource report before it is declared dead
 * @param healthCheckPeriod how often the GCS looks for nodes whose reports stopped
 * @param clock the time source for liveness (inject a manual one in tests)
 * @param actorRetryPeriod how long the GCS waits before it asks again for a worker for an actor
 *     whose lease request was infeasible, rejected or failed
 * @param actorCreationTimeout how long an actor's constructor may run on its worker before the
 *     creation counts as failed (the worker is then treated as dead)
 * @param token the cluster token every call to the GCS must carry, and which the GCS sends on its
 *     own calls to nodes and workers
 * @param maxTasks how many task attempts the GCS keeps from task events (the ones that ended first
 *     are dropped first, and counted)
 */
public record GcsConfig(
    String host,
    int port,
    Duration nodeTimeout,
    Duration healthCheckPeriod,
    InstantSource clock,
    Duration actorRetryPeriod,
    Duration actorCreationTimeout,
    ClusterToken token,
    int maxTasks) {

  /** The default node timeout: 10 seconds. */
  public static final Duration DEFAULT_NODE_TIMEOUT = Duration.ofSeconds(10);

  /** The default actor retry period: 1 second. */
  public static final Duration DEFAULT_ACTOR_RETRY_PERIOD = Duration.ofSeconds(1);

  /** The default bound of the task state the GCS keeps: 10,000 task attempts. */
  public static final int DEFAULT_MAX_TASKS = TaskEventStore.DEFAULT_MAX_TASKS;

  /** The default actor creation timeout: 10 minutes. */
  public static final Duration DEFAULT_ACTOR_CREATION_TIMEOUT = Duration.ofMinutes(10);

  /**
   * Creates a configuration with the default actor settings ({@link #DEFAULT_ACTOR_RETRY_PERIOD},
   * {@link #DEFAULT_ACTOR_CREATION_TIMEOUT}) and this process's default token ({@link
   * ClusterToken#processDefault()}).
   *
   * @param host the address to bind
   * @param port the port to bind; 0 picks a free ephemeral port
   * @param nodeTimeout how long a node may go without a resource report
   * @param healthCheckPeriod how often silent nodes are looked for
   * @param clock the time source for liveness
   * @throws GcsException if a value is out of range
   */
  public GcsConfig(
      String host,
      int port,
      Duration nodeTimeout,
      Duration healthCheckPeriod,
      InstantSource clock) {
    this(
        host,
        port,
        nodeTimeout,
        healthCheckPeriod,
        clock,
        DEFAULT_ACTOR_RETRY_PERIOD,
        DEFAULT_ACTOR_CREATION_TIMEOUT,
        ClusterToken.processDefault(),
        DEFAULT_MAX_TASKS);
  }

  /**
   * Validates the configuration.
   *
   * @throws GcsException if a value is out of range
   */
  public GcsConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(nodeTimeout, "nodeTimeout");
    Objects.requireNonNull(healthCheckPeriod, "healthCheckPeriod");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(actorRetryPeriod, "actorRetryPeriod");
    Objects.requireNonNull(actorCreationTimeout, "actorCreationTimeout");
    Objects.requireNonNull(token, "token");
    if (host.isBlank()) {
      throw new GcsException("GCS host is blank; give an address such as 127.0.0.1");
    }
    if (port < 0 || port > 65535) {
      throw new GcsException(
          "GCS port " + port + " is out of range; give 0 (ephemeral) or 1..65535");
    }
    if (nodeTimeout.isNegative() || nodeTimeout.isZero()) {
      throw new GcsException(
          "nodeTimeout " + nodeTimeout + " must be positive, e.g. " + DEFAULT_NODE_TIMEOUT);
    }
    if (healthCheckPeriod.isNegative() || healthCheckPeriod.isZero()) {
      throw new GcsException(
          "healthCheckPeriod " + healthCheckPeriod + " must be positive, e.g. PT1S");
    }
    if (actorRetryPeriod.isNegative() || actorRetryPeriod.isZero()) {
      throw new GcsException(
          "actorRetryPeriod "
              + actorRetryPeriod
              + " must be positive, e.g. "
              + DEFAULT_ACTOR_RETRY_PERIOD);
    }
    if (maxTasks < 1) {
      throw new GcsException(
          "maxTasks " + maxTasks + " must be at least 1, e.g. " + DEFAULT_MAX_TASKS);
    }
    if (actorCreationTimeout.isNegative() || actorCreationTimeout.isZero()) {
      throw new GcsException(
          "actorCreationTimeout "
              + actorCreationTimeout
              + " must be positive, e.g. "
              + DEFAULT_ACTOR_CREATION_TIMEOUT);
    }
  }

  /**
   * Returns a builder that starts from this configuration.
   *
   * @return a new builder with every value of this configuration
   */
  public Builder toBuilder() {
    return new Builder()
        .host(host)
        .port(port)
        .nodeTimeout(nodeTimeout)
        .healthCheckPeriod(healthCheckPeriod)
        .clock(clock)
        .actorRetryPeriod(actorRetryPeriod)
        .actorCreationTimeout(actorCreationTimeout)
        .token(token)
        .maxTasks(maxTasks);
  }

  /**
   * Returns a builder with the defaults: {@code 127.0.0.1}, an ephemeral port, a 10 s node timeout
   * checked every second, the system clock, actor lease retries every second and a 10 minute actor
   * creation timeout, and this process's default cluster token.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder of {@link GcsConfig}. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port;
    private Duration nodeTimeout = DEFAULT_NODE_TIMEOUT;
    private Duration healthCheckPeriod = Duration.ofSeconds(1);
    private InstantSource clock = InstantSource.system();
    private Duration actorRetryPeriod = DEFAULT_ACTOR_RETRY_PERIOD;
    private Duration actorCreationTimeout = DEFAULT_ACTOR_CREATION_TIMEOUT;
    private ClusterToken token;
    private int maxTasks = DEFAULT_MAX_TASKS;

    private Builder() {}

    /**
     * Sets how many task attempts the GCS keeps from task events (default {@link
     * #DEFAULT_MAX_TASKS}); past it, the attempts that ended first are dropped, and counted.
     *
     * @param maxTasks at least 1
     * @return this builder
     */
    public Builder maxTasks(int maxTasks) {
      this.maxTasks = maxTasks;
      return this;
    }

    /**
     * Sets the bind address.
     *
     * @param host an IP literal or host name
     * @return this builder
     */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /**
     * Sets the port.
     *
     * @param port 0 for an ephemeral port, or 1..65535
     * @return this builder
     */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /**
     * Sets how long a node may stay silent before it is declared dead.
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder nodeTimeout(Duration timeout) {
      this.nodeTimeout = timeout;
      return this;
    }

    /**
     * Sets how often silent nodes are looked for.
     *
     * @param period positive
     * @return this builder
     */
    public Builder healthCheckPeriod(Duration period) {
      this.healthCheckPeriod = period;
      return this;
    }

    /**
     * Sets the time source used for liveness.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(InstantSource clock) {
      this.clock = clock;
      return this;
    }

    /**
     * Sets how long to wait before asking again for a worker for an actor that could not be placed
     * (infeasible, rejected, or the node manager unreachable).
     *
     * @param period positive
     * @return this builder
     */
    public Builder actorRetryPeriod(Duration period) {
      this.actorRetryPeriod = period;
      return this;
    }

    /**
     * Sets how long an actor's constructor may run before its creation counts as failed.
     *
     * @param timeout positive
     * @return this builder
     */
    public Builder actorCreationTimeout(Duration timeout) {
      this.actorCreationTimeout = timeout;
      return this;
    }

    /**
     * Sets the cluster token (default: {@link ClusterToken#processDefault()}).
     *
     * @param token the token every call must carry
     * @return this builder
     */
    public Builder token(ClusterToken token) {
      this.token = token;
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @return the configuration
     * @throws GcsException if a value is out of range
     */
    public GcsConfig build() {
      return new GcsConfig(
          host,
          port,
          nodeTimeout,
          healthCheckPeriod,
          clock,
          actorRetryPeriod,
          actorCreationTimeout,
          token == null ? ClusterToken.processDefault() : token,
          maxTasks);
    }
  }
}
