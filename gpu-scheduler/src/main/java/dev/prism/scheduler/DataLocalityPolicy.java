package dev.prism.scheduler;

import java.util.Map;
import java.util.Objects;

/**
 * Data locality: the node with room that holds the most argument bytes (ties: lower utilisation,
 * then node id); falls back when no holder has room.
 */
final class DataLocalityPolicy implements SchedulingPolicy {
  private final SchedulingPolicy fallback;

  DataLocalityPolicy(SchedulingPolicy fallback) {
    this.fallback = Objects.requireNonNull(fallback, "fallback");
  }

  @Override
  public SchedulingDecision schedule(ClusterResourceView c, SchedulingRequest r) {
    if (r.argumentBytes().isEmpty()) {
      return fallback.schedule(c, r);
    }
    NodeResources best = null;
    long bestBytes = 0;
    double bestScore = 0;
    LabelSelector sel = r.labelSelector();
    for (Map.Entry<NodeId, Long> e : r.argumentBytes().entrySet()) {
      NodeResources n = c.nodeOrNull(e.getKey());
      long bytes = e.getValue();
      if (n == null || bytes == 0 || !sel.matches(n.labels())) {
        continue;
      }
      double score = n.pool.scoreIfFits(r.resources());
      if (score < 0) {
        continue;
      }
      if (best == null
          || bytes > bestBytes
          || (bytes == bestBytes
              && (score < bestScore
                  || (score == bestScore && n.id().value().compareTo(best.id().value()) < 0)))) {
        best = n;
        bestBytes = bytes;
        bestScore = score;
      }
    }
    return best != null ? best.scheduled : fallback.schedule(c, r);
  }
}
