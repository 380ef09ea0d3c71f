package dev.prism.scheduler;

import java.util.List;

/** Requests into placement-group bundles go to a node whose committed bundle has room. */
final class BundlePolicy implements SchedulingPolicy {
  @Override
  public SchedulingDecision schedule(ClusterResourceView c, SchedulingRequest r) {
    if (!(r.strategy() instanceof SchedulingStrategy.PlacementGroupBundle pg)) {
      return new SchedulingDecision.Infeasible(
          "request "
              + r.resources()
              + " has no placement-group bundle strategy; use SchedulingPolicy.standard(seed)");
    }
    BundleId b = pg.bundle();
    List<NodeResources> holders = c.bundleHolders(b);
    boolean committed = false;
    boolean feasible = false;
    for (NodeResources n : holders) {
      if (n.isBundleAvailable(b, r.resources())) {
        return n.scheduled;
      }
      committed |= n.hasCommitted(b);
      feasible |= n.isBundleFeasible(b, r.resources());
    }
    if (holders.isEmpty()) {
      return new SchedulingDecision.Infeasible(
          "placement group bundle "
              + b
              + " is not reserved on any node; create the group (or wait for it) first");
    }
    if (!committed) {
      return new SchedulingDecision.Unavailable(
          "placement group bundle " + b + " is prepared but not committed yet");
    }
    if (feasible) {
      return new SchedulingDecision.Unavailable(
          "placement group bundle " + b + " has no room for " + r.resources() + " now");
    }
    return new SchedulingDecision.Infeasible(
        r.resources()
            + " can never fit placement group bundle "
            + b
            + ": the request exceeds the bundle's reservation");
  }
}
