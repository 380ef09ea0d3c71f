package dev.prism.scheduler;

import java.util.ArrayList;
import java.util.List;

/** Shared slow-path logic: telling "busy now" from "infeasible", with a reason. */
final class Feasibility {
  private Feasibility() {}

  /** The decision when no node has the request available now. */
  static SchedulingDecision noNodeAvailable(ClusterResourceView c, SchedulingRequest r) {
    ResourceRequest req = r.resources();
    LabelSelector sel = r.labelSelector();
    int feasible = 0;
    for (int i = 0; i < c.size; i++) {
      NodeResources n = c.nodes[i];
      if ((sel.isEmpty() || sel.matches(n.labels())) && n.pool.fitsTotal(req)) {
        feasible++;
      }
    }
    if (feasible > 0) {
      return new SchedulingDecision.Unavailable(
          "no node has "
              + req
              + " available now; "
              + feasible
              + " node(s) can fit it once resources are freed");
    }
    return new SchedulingDecision.Infeasible(infeasibleReason(c, req, sel));
  }

  static String infeasibleReason(ClusterResourceView c, ResourceRequest req, LabelSelector sel) {
    if (c.size == 0) {
      return "the cluster has no nodes; " + req + " cannot be placed until a node joins";
    }
    List<NodeResources> matching = new ArrayList<>();
    for (int i = 0; i < c.size; i++) {
      if (sel.isEmpty() || sel.matches(c.nodes[i].labels())) {
        matching.add(c.nodes[i]);
      }
    }
    if (matching.isEmpty()) {
      return "no node matches label selector " + sel + " (" + c.size + " nodes in the cluster)";
    }
    ResourceSet s = req.resources();
    List<String> shortfalls = new ArrayList<>();
    for (int i = 0; i < s.ids.length; i++) {
      int id = s.ids[i];
      long max = 0;
      for (NodeResources n : matching) {
        max = Math.max(max, n.pool.totalOf(id));
      }
      if (max < s.amounts[i]) {
        shortfalls.add(
            ResourceIds.name(id)
                + " needs "
                + FixedPoint.format(s.amounts[i])
                + " but the largest node total is "
                + FixedPoint.format(max));
      }
    }
    String where = matching.size() + " node(s)" + (sel.isEmpty() ? "" : " matching " + sel);
    if (!shortfalls.isEmpty()) {
      return req + " is infeasible on " + where + ": " + String.join("; ", shortfalls);
    }
    if (req.gpuMemoryBytes() > 0) {
      long maxMem = 0;
      for (NodeResources n : matching) {
        if (n.pool.gpus != null) {
          maxMem = Math.max(maxMem, n.pool.gpus.largestMemory());
        }
      }
      if (maxMem < req.gpuMemoryBytes()) {
        return req
            + " is infeasible on "
            + where
            + ": needs "
            + req.gpuMemoryBytes()
            + " bytes of GPU memory per device but the largest GPU has "
            + maxMem
            + (maxMem == 0 ? " (memory unknown: declare GPU memory for logical GPUs)" : "");
      }
    }
    return req + " is infeasible on " + where + ": no single node offers all of it at once";
  }
}
