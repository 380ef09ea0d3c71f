package dev.prism.serve;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * How a deployment's replica count follows its load (Ray Serve's {@code autoscaling_config}): the
 * controller averages the ongoing requests of the deployment (running on replicas plus queued in
 * routers) over {@code lookBackPeriod} and aims at {@code targetOngoingRequests} per replica,
 * within {@code minReplicas..maxReplicas}; a decision to go up must hold for {@code upscaleDelay},
 * one to go down for {@code downscaleDelay}.
 *
 * @param minReplicas the fewest replicas, 0 or more
 * @param maxReplicas the most replicas, at least {@code minReplicas} and at least 1
 * @param initialReplicas how many to start with
 * @param targetOngoingRequests the ongoing requests per replica to aim at
 * @param upscaleDelay how long the load must call for more replicas before they are started
 * @param downscaleDelay how long it must call for fewer before replicas are stopped
 * @param lookBackPeriod the window the load is averaged over
 */
public record AutoscalingConfig(
    int minReplicas,
    int maxReplicas,
    int initialReplicas,
    double targetOngoingRequests,
    Duration upscaleDelay,
    Duration downscaleDelay,
    Duration lookBackPeriod)
    implements Serializable {

  /**
   * Validates.
   *
   * @param minReplicas fewest
   * @param maxReplicas most
   * @param initialReplicas at start
   * @param targetOngoingRequests target per replica
   * @param upscaleDelay up delay
   * @param downscaleDelay down delay
   * @param lookBackPeriod averaging window
   */
  public AutoscalingConfig {
    if (minReplicas < 0) {
      throw new IllegalArgumentException("minReplicas is " + minReplicas + "; it must be >= 0");
    }
    if (maxReplicas < Math.max(1, minReplicas)) {
      throw new IllegalArgumentException(
          "maxReplicas is " + maxReplicas + "; it must be >= 1 and >= minReplicas " + minReplicas);
    }
    if (initialReplicas < minReplicas || initialReplicas > maxReplicas) {
      throw new IllegalArgumentException(
          "initialReplicas is "
              + initialReplicas
              + "; it must be within minReplicas..maxReplicas ("
              + minReplicas
              + ".."
              + maxReplicas
              + ")");
    }
    if (!(targetOngoingRequests > 0) || Double.isInfinite(targetOngoingRequests)) {
      throw new IllegalArgumentException(
          "targetOngoingRequests is " + targetOngoingRequests + "; it must be > 0");
    }
    positive("upscaleDelay", upscaleDelay, true);
    positive("downscaleDelay", downscaleDelay, true);
    positive("lookBackPeriod", lookBackPeriod, false);
  }

  private static void positive(String name, Duration d, boolean zeroAllowed) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || (!zeroAllowed && d.isZero())) {
      throw new IllegalArgumentException(
          name + " is " + d + "; it must be " + (zeroAllowed ? ">= 0" : "> 0"));
    }
  }

  /**
   * A builder with Ray Serve's defaults: 1..1 replicas, 2 ongoing requests per replica, up after 30
   * s, down after 600 s, a 30 s window.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds an {@link AutoscalingConfig}. */
  public static final class Builder {
    private int min = 1;
    private int max = 1;
    private Integer initial;
    private double target = 2;
    private Duration up = Duration.ofSeconds(30);
    private Duration down = Duration.ofSeconds(600);
    private Duration lookBack = Duration.ofSeconds(30);

    private Builder() {}

    /**
     * Sets the fewest replicas.
     *
     * @param n the count
     * @return this builder
     */
    public Builder minReplicas(int n) {
      this.min = n;
      return this;
    }

    /**
     * Sets the most replicas.
     *
     * @param n the count
     * @return this builder
     */
    public Builder maxReplicas(int n) {
      this.max = n;
      return this;
    }

    /**
     * Sets the replicas to start with (default: {@code minReplicas}, at least 1 if max allows).
     *
     * @param n the count
     * @return this builder
     */
    public Builder initialReplicas(int n) {
      this.initial = n;
      return this;
    }

    /**
     * Sets the ongoing requests per replica to aim at.
     *
     * @param n the target
     * @return this builder
     */
    public Builder targetOngoingRequests(double n) {
      this.target = n;
      return this;
    }

    /**
     * Sets how long the load must call for more replicas.
     *
     * @param d the delay
     * @return this builder
     */
    public Builder upscaleDelay(Duration d) {
      this.up = d;
      return this;
    }

    /**
     * Sets how long the load must call for fewer replicas.
     *
     * @param d the delay
     * @return this builder
     */
    public Builder downscaleDelay(Duration d) {
      this.down = d;
      return this;
    }

    /**
     * Sets the window the load is averaged over.
     *
     * @param d the window
     * @return this builder
     */
    public Builder lookBackPeriod(Duration d) {
      this.lookBack = d;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @return the config
     * @throws IllegalArgumentException naming the field that is wrong
     */
    public AutoscalingConfig build() {
      int start = initial != null ? initial : Math.max(min, Math.min(1, max));
      return new AutoscalingConfig(min, max, start, target, up, down, lookBack);
    }
  }
}
