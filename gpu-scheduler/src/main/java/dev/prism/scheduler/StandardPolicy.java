package dev.prism.scheduler;

/** Dispatches on the request's strategy to the matching policy. */
final class StandardPolicy implements SchedulingPolicy {
  private final SchedulingPolicy hybrid;
  private final SchedulingPolicy locality;
  private final SchedulingPolicy spread = new SpreadPolicy();
  private final SchedulingPolicy affinity;
  private final SchedulingPolicy bundle = new BundlePolicy();

  StandardPolicy(long seed) {
    hybrid = new HybridPolicy(HybridOptions.defaults(seed));
    locality = new DataLocalityPolicy(hybrid);
    affinity = new NodeAffinityPolicy(hybrid);
  }

  @Override
  public SchedulingDecision schedule(ClusterResourceView c, SchedulingRequest r) {
    return switch (r.strategy()) {
      case SchedulingStrategy.Default d -> locality.schedule(c, r);
      case SchedulingStrategy.Spread s -> spread.schedule(c, r);
      case SchedulingStrategy.NodeAffinity a -> affinity.schedule(c, r);
      case SchedulingStrategy.PlacementGroupBundle b -> bundle.schedule(c, r);
    };
  }
}
