package dev.prism.serve;

/**
 * A deployment class with its own health check (Ray Serve's {@code check_health}): the controller
 * calls it every {@code healthCheckPeriod}; an exception, or no answer within {@code
 * healthCheckTimeout}, marks the replica unhealthy and it is replaced.
 */
@FunctionalInterface
public interface HealthChecked {

  /**
   * Checks the replica.
   *
   * @throws Exception when it is unhealthy
   */
  void checkHealth() throws Exception;
}
