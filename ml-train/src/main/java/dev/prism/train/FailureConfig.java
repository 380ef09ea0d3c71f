package dev.prism.train;

/**
 * How many times a run restarts its whole worker group after a worker fails or dies, each time from
 * the latest checkpoint: as Ray's {@code FailureConfig}.
 *
 * @param maxFailures restarts allowed, 0 for none, -1 for no limit
 */
public record FailureConfig(int maxFailures) {
  /**
   * Checks the field.
   *
   * @param maxFailures restarts allowed
   */
  public FailureConfig {
    if (maxFailures < -1) {
      throw new IllegalArgumentException(
          "FailureConfig.maxFailures is " + maxFailures + "; give -1 (no limit), 0 or more");
    }
  }
}
