package dev.prism.runtime.worker;

import dev.prism.runtime.rpc.ResourceAmounts;
import dev.prism.runtime.rpc.SchedulingStrategyProto;

/**
 * The options of one task submission, already validated.
 *
 * @param resources the resource demand in fixed point (CPU 1.0 is 10,000)
 * @param maxRetries how often the task is retried after its worker dies (and, when {@code
 *     retryExceptions}, after it throws)
 * @param retryExceptions whether application exceptions are retried too
 * @param name the task's display name, or null for the method's name
 * @param strategy where its lease should go (default instance: the default policy)
 * @param runtimeEnv the environment of its worker, resolved (default instance: the node's)
 */
public record TaskOptions(
    ResourceAmounts resources,
    int maxRetries,
    boolean retryExceptions,
    String name,
    SchedulingStrategyProto strategy,
    dev.prism.runtime.rpc.RuntimeEnvProto runtimeEnv) {

  /**
   * Options in the node's default runtime environment.
   *
   * @param resources the resource demand
   * @param maxRetries retries after a worker death
   * @param retryExceptions whether exceptions are retried
   * @param name the display name, or null
   * @param strategy where its lease should go
   */
  public TaskOptions(
      ResourceAmounts resources,
      int maxRetries,
      boolean retryExceptions,
      String name,
      SchedulingStrategyProto strategy) {
    this(
        resources,
        maxRetries,
        retryExceptions,
        name,
        strategy,
        dev.prism.runtime.rpc.RuntimeEnvProto.getDefaultInstance());
  }

  /**
   * Options with the default scheduling strategy.
   *
   * @param resources the resource demand
   * @param maxRetries retries after a worker death
   * @param retryExceptions whether exceptions are retried
   * @param name the display name, or null
   */
  public TaskOptions(
      ResourceAmounts resources, int maxRetries, boolean retryExceptions, String name) {
    this(
        resources, maxRetries, retryExceptions, name, SchedulingStrategyProto.getDefaultInstance());
  }
}
