package dev.prism.scheduler;

import java.util.Objects;

/** How a request wants to be placed; read by {@link SchedulingPolicy#standard(long)}. */
public sealed interface SchedulingStrategy {
  /** Default hybrid placement (data-locality aware when argument locations are known). */
  SchedulingStrategy DEFAULT = new Default();

  /** Round-robin over feasible nodes. */
  SchedulingStrategy SPREAD = new Spread();

  /**
   * Pins a request to a node.
   *
   * @param node the node
   * @param soft when true fall back to other nodes if that node cannot take it now
   * @return the strategy
   */
  static SchedulingStrategy nodeAffinity(NodeId node, boolean soft) {
    return new NodeAffinity(node, soft);
  }

  /**
   * Places a request in a committed placement-group bundle.
   *
   * @param bundle the bundle, or {@link BundleId#ANY} index for any bundle of the group
   * @return the strategy
   */
  static SchedulingStrategy placementGroup(BundleId bundle) {
    return new PlacementGroupBundle(bundle);
  }

  /** The default hybrid strategy. */
  record Default() implements SchedulingStrategy {}

  /** The SPREAD strategy. */
  record Spread() implements SchedulingStrategy {}

  /**
   * Node affinity.
   *
   * @param node the node
   * @param soft whether other nodes are acceptable when it cannot take the request now
   */
  record NodeAffinity(NodeId node, boolean soft) implements SchedulingStrategy {
    /** Validates. */
    public NodeAffinity {
      Objects.requireNonNull(node, "node");
    }
  }

  /**
   * Placement in a placement-group bundle.
   *
   * @param bundle the bundle
   */
  record PlacementGroupBundle(BundleId bundle) implements SchedulingStrategy {
    /** Validates. */
    public PlacementGroupBundle {
      Objects.requireNonNull(bundle, "bundle");
    }
  }
}
