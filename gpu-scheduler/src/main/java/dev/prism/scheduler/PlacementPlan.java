package dev.prism.scheduler;

import java.util.List;

/** The outcome of planning (or creating) a placement group. */
public sealed interface PlacementPlan {
  /**
   * Every bundle has a node.
   *
   * @param group the group
   * @param nodes the node of each bundle, by bundle index
   */
  record Placed(PlacementGroupId group, List<NodeId> nodes) implements PlacementPlan {
    /** Copies the list. */
    public Placed {
      nodes = List.copyOf(nodes);
    }
  }

  /**
   * The group fits the cluster's totals but not what is free now; retry later.
   *
   * @param reason why
   */
  record Unavailable(String reason) implements PlacementPlan {}

  /**
   * The group can never be placed on the current nodes.
   *
   * @param reason which bundle or strategy constraint cannot be met
   */
  record Infeasible(String reason) implements PlacementPlan {}
}
