package dev.prism.train;

import java.util.Objects;
import java.util.Optional;

/**
 * Which checkpoints a run keeps, as Ray's {@code CheckpointConfig}. With a score attribute, the
 * {@code numToKeep} best by that metric are kept; without, the most recent ones. The latest
 * checkpoint is always kept too, so a run can resume from it.
 *
 * @param numToKeep how many to keep, or 0 for all
 * @param scoreAttribute the reported metric that ranks checkpoints, if any
 * @param scoreOrder whether higher or lower scores are better
 */
public record CheckpointConfig(int numToKeep, Optional<String> scoreAttribute, Order scoreOrder) {

  /** Whether a higher or a lower score is better. */
  public enum Order {
    /** Higher is better (accuracy). */
    MAX,
    /** Lower is better (loss). */
    MIN
  }

  /**
   * Checks the fields.
   *
   * @param numToKeep how many to keep, 0 for all
   * @param scoreAttribute the ranking metric
   * @param scoreOrder the order
   */
  public CheckpointConfig {
    Objects.requireNonNull(scoreAttribute, "scoreAttribute");
    Objects.requireNonNull(scoreOrder, "scoreOrder");
    if (numToKeep < 0) {
      throw new IllegalArgumentException(
          "CheckpointConfig.numToKeep is " + numToKeep + "; give 0 (keep all) or more");
    }
    if (scoreAttribute.isPresent() && scoreAttribute.get().isBlank()) {
      throw new IllegalArgumentException("CheckpointConfig.scoreAttribute is blank");
    }
  }

  /**
   * Keeps every checkpoint.
   *
   * @return the config
   */
  public static CheckpointConfig keepAll() {
    return new CheckpointConfig(0, Optional.empty(), Order.MAX);
  }

  /**
   * Keeps the {@code n} most recent checkpoints.
   *
   * @param n how many, at least 1
   * @return the config
   */
  public static CheckpointConfig keepLatest(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("CheckpointConfig.keepLatest(" + n + "): give 1 or more");
    }
    return new CheckpointConfig(n, Optional.empty(), Order.MAX);
  }

  /**
   * Keeps the {@code n} best checkpoints by a reported metric (and the latest).
   *
   * @param n how many, at least 1
   * @param attribute the metric
   * @param order MAX if higher is better
   * @return the config
   */
  public static CheckpointConfig keepBest(int n, String attribute, Order order) {
    if (n < 1) {
      throw new IllegalArgumentException(
          "CheckpointConfig.keepBest(" + n + ", ...): give 1 or more");
    }
    return new CheckpointConfig(n, Optional.of(attribute), order);
  }
}
