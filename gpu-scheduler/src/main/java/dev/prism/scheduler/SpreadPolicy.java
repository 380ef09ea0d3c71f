package dev.prism.scheduler;

/** SPREAD: round-robin over the nodes (matching the labels) that have room now. */
final class SpreadPolicy implements SchedulingPolicy {
  private int cursor;

  @Override
  public SchedulingDecision schedule(ClusterResourceView c, SchedulingRequest r) {
    int n = c.size;
    LabelSelector sel = r.labelSelector();
    for (int k = 0; k < n; k++) {
      int i = (cursor + k) % n;
      NodeResources node = c.nodes[i];
      if ((sel.isEmpty() || sel.matches(node.labels())) && node.pool.fitsAvailable(r.resources())) {
        cursor = i + 1;
        return node.scheduled;
      }
    }
    return Feasibility.noNodeAvailable(c, r);
  }
}
