package dev.prism.runtime.worker;

import java.time.Duration;
import java.util.Objects;

/**
 * The tuning knobs of a core worker's task and actor paths, in one validated value: a cluster or a
 * test sets them through {@link CoreWorker.Settings}; {@link #defaults()} reads the system
 * properties that override them for experiments.
 *
 * @param pipelineDepth how many tasks a submitter pushes to one leased worker ahead of its replies
 *     (at least 1); property {@code prism.pipelineDepth}, default 16
 * @param leaseLinger how long an idle lease is kept for the next task before it is returned (zero
 *     or more); property {@code prism.lease.lingerMs}, default 20 ms
 * @param leaseMaxHold how long a lease may be held before it takes no new tasks, so no caller
 *     monopolises a worker (positive); property {@code prism.lease.maxHoldMs}, default 2 s
 * @param pipelineBelow tasks shorter than this on average are pipelined, longer ones get a worker
 *     each (zero or more); property {@code prism.pipeline.belowMicros}, default 1 ms
 * @param actorPoll how long one long poll of the GCS waits for an actor that is being (re)created
 *     (positive); property {@code prism.actor.pollMs}, default 30 s
 */
public record WorkerTuning(
    int pipelineDepth,
    Duration leaseLinger,
    Duration leaseMaxHold,
    Duration pipelineBelow,
    Duration actorPoll) {

  /** The default pipeline depth. */
  public static final int DEFAULT_PIPELINE_DEPTH = 16;

  /** The default lease linger. */
  public static final Duration DEFAULT_LEASE_LINGER = Duration.ofMillis(20);

  /** The default longest lease hold. */
  public static final Duration DEFAULT_LEASE_MAX_HOLD = Duration.ofMillis(2_000);

  /** The default pipelining threshold. */
  public static final Duration DEFAULT_PIPELINE_BELOW = Duration.ofNanos(1_000_000);

  /** The default actor long-poll. */
  public static final Duration DEFAULT_ACTOR_POLL = Duration.ofMillis(30_000);

  /**
   * Validates the knobs.
   *
   * @throws IllegalArgumentException naming the knob that is out of range
   * @throws NullPointerException if a duration is null
   */
  public WorkerTuning {
    if (pipelineDepth < 1) {
      throw new IllegalArgumentException("pipelineDepth must be at least 1, was " + pipelineDepth);
    }
    requireAtLeastZero("leaseLinger", leaseLinger);
    requirePositive("leaseMaxHold", leaseMaxHold);
    requireAtLeastZero("pipelineBelow", pipelineBelow);
    requirePositive("actorPoll", actorPoll);
  }

  /**
   * The knobs as the system properties set them, each unset one at its default.
   *
   * @return the tuning
   * @throws IllegalArgumentException if a property is set out of range or is not a number
   */
  public static WorkerTuning defaults() {
    return new WorkerTuning(
        intProperty("prism.pipelineDepth", DEFAULT_PIPELINE_DEPTH),
        Duration.ofMillis(property("prism.lease.lingerMs", DEFAULT_LEASE_LINGER.toMillis())),
        Duration.ofMillis(property("prism.lease.maxHoldMs", DEFAULT_LEASE_MAX_HOLD.toMillis())),
        Duration.ofNanos(
            1_000
                * property("prism.pipeline.belowMicros", DEFAULT_PIPELINE_BELOW.toNanos() / 1_000)),
        Duration.ofMillis(property("prism.actor.pollMs", DEFAULT_ACTOR_POLL.toMillis())));
  }

  /**
   * This tuning with another pipeline depth.
   *
   * @param depth tasks pushed to one worker ahead of its replies (at least 1)
   * @return the new tuning
   */
  public WorkerTuning withPipelineDepth(int depth) {
    return new WorkerTuning(depth, leaseLinger, leaseMaxHold, pipelineBelow, actorPoll);
  }

  /**
   * This tuning with another lease linger.
   *
   * @param linger how long an idle lease is kept (zero or more)
   * @return the new tuning
   */
  public WorkerTuning withLeaseLinger(Duration linger) {
    return new WorkerTuning(pipelineDepth, linger, leaseMaxHold, pipelineBelow, actorPoll);
  }

  /**
   * This tuning with another longest lease hold.
   *
   * @param maxHold how long a lease takes new tasks (positive)
   * @return the new tuning
   */
  public WorkerTuning withLeaseMaxHold(Duration maxHold) {
    return new WorkerTuning(pipelineDepth, leaseLinger, maxHold, pipelineBelow, actorPoll);
  }

  /**
   * This tuning with another pipelining threshold.
   *
   * @param below tasks shorter than this on average are pipelined (zero or more)
   * @return the new tuning
   */
  public WorkerTuning withPipelineBelow(Duration below) {
    return new WorkerTuning(pipelineDepth, leaseLinger, leaseMaxHold, below, actorPoll);
  }

  /**
   * This tuning with another actor long-poll.
   *
   * @param poll how long one poll of the GCS for an actor waits (positive)
   * @return the new tuning
   */
  public WorkerTuning withActorPoll(Duration poll) {
    return new WorkerTuning(pipelineDepth, leaseLinger, leaseMaxHold, pipelineBelow, poll);
  }

  private static long property(String name, long fallback) {
    String value = System.getProperty(name);
    if (value == null) {
      return fallback;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "system property " + name + " must be a whole number, was '" + value + "'", e);
    }
  }

  private static int intProperty(String name, int fallback) {
    long value = property(name, fallback);
    if (value != (int) value) {
      throw new IllegalArgumentException("system property " + name + " is out of range: " + value);
    }
    return (int) value;
  }

  private static void requireAtLeastZero(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative, was " + d);
    }
  }

  private static void requirePositive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + d);
    }
  }
}
