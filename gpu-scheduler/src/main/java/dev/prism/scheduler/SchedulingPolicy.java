package dev.prism.scheduler;

/**
 * Chooses a node for a request over a {@link ClusterResourceView}, without changing it. Policies
 * may keep state (a seeded random source, a round-robin cursor), so one instance must not be shared
 * between threads; for a given seed and sequence of calls decisions are deterministic.
 */
public interface SchedulingPolicy {
  /**
   * Decides where a request should run.
   *
   * @param cluster the resource view
   * @param request the request
   * @return scheduled on a node, unavailable now, or infeasible
   */
  SchedulingDecision schedule(ClusterResourceView cluster, SchedulingRequest request);

  /**
   * The default hybrid policy: the local node while its utilisation is below the threshold,
   * otherwise the least loaded node with room.
   *
   * @param options settings
   * @return the policy
   */
  static SchedulingPolicy hybrid(HybridOptions options) {
    return new HybridPolicy(options);
  }

  /**
   * The hybrid policy with default settings.
   *
   * @param seed the random seed
   * @return the policy
   */
  static SchedulingPolicy hybrid(long seed) {
    return new HybridPolicy(HybridOptions.defaults(seed));
  }

  /**
   * SPREAD: round-robin over nodes that have room.
   *
   * @return the policy
   */
  static SchedulingPolicy spread() {
    return new SpreadPolicy();
  }

  /**
   * Node affinity: requests with a {@link SchedulingStrategy.NodeAffinity} strategy go to that node
   * (hard: or are unavailable/infeasible; soft: or go to {@code fallback}); other requests go to
   * {@code fallback}.
   *
   * @param fallback the policy for soft fallbacks and other requests
   * @return the policy
   */
  static SchedulingPolicy nodeAffinity(SchedulingPolicy fallback) {
    return new NodeAffinityPolicy(fallback);
  }

  /**
   * Data locality: among nodes with room, the one holding the most bytes of the request's
   * arguments; requests without locality data, or whose holders are busy, go to {@code fallback}.
   *
   * @param fallback the policy otherwise
   * @return the policy
   */
  static SchedulingPolicy dataLocality(SchedulingPolicy fallback) {
    return new DataLocalityPolicy(fallback);
  }

  /**
   * Placement-group bundles: requests with a {@link SchedulingStrategy.PlacementGroupBundle}
   * strategy go to the node of a committed bundle with room.
   *
   * @return the policy
   */
  static SchedulingPolicy placementGroupBundle() {
    return new BundlePolicy();
  }

  /**
   * The composite policy the node manager uses: dispatches on the request's strategy (DEFAULT: data
   * locality falling back to hybrid; SPREAD; node affinity falling back to hybrid; placement-group
   * bundle).
   *
   * @param seed the random seed
   * @return the policy
   */
  static SchedulingPolicy standard(long seed) {
    return new StandardPolicy(seed);
  }
}
