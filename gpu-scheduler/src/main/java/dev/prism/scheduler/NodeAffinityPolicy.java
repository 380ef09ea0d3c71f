package dev.prism.scheduler;

import java.util.Objects;

/** Node affinity, hard or soft; other requests go to the fallback. */
final class NodeAffinityPolicy implements SchedulingPolicy {
  private final SchedulingPolicy fallback;

  NodeAffinityPolicy(SchedulingPolicy fallback) {
    this.fallback = Objects.requireNonNull(fallback, "fallback");
  }

  @Override
  public SchedulingDecision schedule(ClusterResourceView c, SchedulingRequest r) {
    if (!(r.strategy() instanceof SchedulingStrategy.NodeAffinity a)) {
      return fallback.schedule(c, r);
    }
    NodeResources node = c.nodeOrNull(a.node());
    if (node == null) {
      return a.soft()
          ? fallback.schedule(c, r)
          : new SchedulingDecision.Infeasible(
              "node affinity to "
                  + a.node()
                  + " cannot be met: the node is not in the cluster; use soft affinity to fall back");
    }
    boolean labelsOk = r.labelSelector().matches(node.labels());
    if (labelsOk && node.pool.fitsAvailable(r.resources())) {
      return node.scheduled;
    }
    if (a.soft()) {
      return fallback.schedule(c, r);
    }
    if (!labelsOk) {
      return new SchedulingDecision.Infeasible(
          "node affinity to " + a.node() + " conflicts with label selector " + r.labelSelector());
    }
    if (node.pool.fitsTotal(r.resources())) {
      return new SchedulingDecision.Unavailable(
          "node "
              + a.node()
              + " has "
              + node.available()
              + " available, not enough for "
              + r.resources()
              + " now");
    }
    return new SchedulingDecision.Infeasible(
        "node " + a.node() + " can never fit " + r.resources() + ": its total is " + node.total());
  }
}
