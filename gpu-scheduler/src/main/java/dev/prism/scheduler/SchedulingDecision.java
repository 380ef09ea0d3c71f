package dev.prism.scheduler;

/**
 * The outcome of a scheduling decision: scheduled on a node, not schedulable now (some node could
 * fit it, but none has the resources free), or infeasible (no node could ever fit it).
 */
public sealed interface SchedulingDecision {
  /**
   * Returns whether the request was placed.
   *
   * @return true for {@link Scheduled}
   */
  default boolean isScheduled() {
    return this instanceof Scheduled;
  }

  /**
   * The request goes to a node; take the resources with {@link ClusterResourceView#allocate(NodeId,
   * SchedulingRequest)}.
   *
   * @param node the chosen node (for spillback: the node to redirect to)
   */
  record Scheduled(NodeId node) implements SchedulingDecision {}

  /**
   * Feasible, but no suitable node has the resources free now; queue it and retry when resources
   * are freed or nodes join.
   *
   * @param reason why, naming the request
   */
  record Unavailable(String reason) implements SchedulingDecision {}

  /**
   * No node (matching the constraints) could ever fit the request; report it to the user (or wait
   * for an autoscaler to add a node that can).
   *
   * @param reason which resource or constraint cannot be met and what the cluster offers
   */
  record Infeasible(String reason) implements SchedulingDecision {}
}
