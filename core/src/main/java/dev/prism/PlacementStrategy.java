package dev.prism;

/**
 * How a placement group's bundles are spread over the nodes (Ray's placement strategies).
 *
 * @see PlacementGroups#create(java.util.List, PlacementStrategy)
 */
public enum PlacementStrategy {
  /** As few nodes as possible: all bundles on one node when they fit, else packed. Best effort. */
  PACK,
  /** Each bundle on a different node where possible, else reusing nodes. Best effort. */
  SPREAD,
  /** All bundles on one node, or the group stays pending. */
  STRICT_PACK,
  /** Each bundle on a distinct node, or the group stays pending. */
  STRICT_SPREAD
}
