package dev.prism.runtime.spi;

import java.util.Map;
import java.util.Objects;

/**
 * The options of one task submission as the API validated them.
 *
 * @param resources the resource demand per resource name (amounts above 0)
 * @param maxRetries how often the task is retried after its worker dies (and, when {@code
 *     retryExceptions}, after it throws)
 * @param retryExceptions whether application exceptions are retried too
 * @param name the task's display name, or null for the method's name
 * @param placement where it should run
 * @param labelSelector constraints on the labels of the node it runs on (Ray's syntax, checked by
 *     the API); empty for any node
 * @param runtimeEnv its own runtime environment, or null to run in its default (the job's or its
 *     parent's)
 */
public record TaskSettings(
    Map<String, Double> resources,
    int maxRetries,
    boolean retryExceptions,
    String name,
    Placement placement,
    Map<String, String> labelSelector,
    dev.prism.RuntimeEnv runtimeEnv) {

  /**
   * Copies the resources and checks the placement.
   *
   * @param resources the demand
   * @param maxRetries the retries
   * @param retryExceptions whether exceptions are retried
   * @param name the display name, or null
   * @param placement where it should run
   * @param labelSelector the label selector, or null for none
   * @param runtimeEnv its own environment, or null
   */
  public TaskSettings {
    resources = Map.copyOf(resources);
    Objects.requireNonNull(placement, "placement");
    labelSelector = labelSelector == null ? Map.of() : Map.copyOf(labelSelector);
  }
}
