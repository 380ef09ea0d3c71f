package dev.prism.runtime.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How an actor is to be created, as its creator chose and the API validated.
 *
 * @param resources what it holds for its life, per resource name (amounts above 0)
 * @param name its name, or null
 * @param namespace the namespace of its name, or null for the job's
 * @param detached whether it outlives its creator
 * @param maxRestarts restarts after its process dies (-1: without limit)
 * @param maxTaskRetries runs again of a call that its process died running (-1: without limit)
 * @param maxConcurrency calls at once, or 0 to choose (1, or 1,000 for classes with async methods)
 * @param maxPendingCalls pending calls per caller process (-1: without limit)
 * @param placement where it should run
 * @param labelSelector constraints on the labels of the node it runs on (Ray's syntax, checked by
 *     the API); empty for any node
 * @param runtimeEnv its own runtime environment, or null to run in its creator's default
 * @param concurrencyGroups its named concurrency groups, besides the default one (names unique)
 */
public record ActorSettings(
    Map<String, Double> resources,
    String name,
    String namespace,
    boolean detached,
    int maxRestarts,
    int maxTaskRetries,
    int maxConcurrency,
    int maxPendingCalls,
    Placement placement,
    Map<String, String> labelSelector,
    dev.prism.RuntimeEnv runtimeEnv,
    List<ConcurrencyGroupSettings> concurrencyGroups) {

  /**
   * Copies the resources and checks the placement.
   *
   * @param resources the demand
   * @param name the name, or null
   * @param namespace the namespace, or null
   * @param detached whether it is detached
   * @param maxRestarts the restarts
   * @param maxTaskRetries the call retries
   * @param maxConcurrency the concurrency
   * @param maxPendingCalls the pending-call limit
   * @param placement where it should run
   * @param labelSelector the label selector, or null for none
   * @param runtimeEnv its own environment, or null
   * @param concurrencyGroups the named concurrency groups
   */
  public ActorSettings {
    resources = Map.copyOf(resources);
    Objects.requireNonNull(placement, "placement");
    labelSelector = labelSelector == null ? Map.of() : Map.copyOf(labelSelector);
    concurrencyGroups = List.copyOf(concurrencyGroups);
  }
}
