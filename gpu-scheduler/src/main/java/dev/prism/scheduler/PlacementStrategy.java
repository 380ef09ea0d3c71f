package dev.prism.scheduler;

/** How a placement group's bundles are spread over nodes. All strategies are all-or-nothing. */
public enum PlacementStrategy {
  /** Prefer one node; use more nodes when one cannot hold every bundle. */
  PACK,
  /** Prefer distinct nodes; share a node when there are not enough nodes with room. */
  SPREAD,
  /** All bundles on one node, or not placed. */
  STRICT_PACK,
  /** Every bundle on a different node, or not placed. */
  STRICT_SPREAD
}
