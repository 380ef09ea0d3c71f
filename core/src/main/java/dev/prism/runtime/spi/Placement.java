package dev.prism.runtime.spi;

import java.util.List;
import java.util.Objects;

/**
 * Where the API asks the runtime to run a task or an actor: the API's {@code SchedulingStrategy} in
 * plain values, which the runtime turns into its wire form.
 */
public sealed interface Placement
    permits Placement.DefaultPolicy, Placement.Spread, Placement.NodeAffinity, Placement.Bundle {

  /** The default policy: pack onto the caller's node, then spread to the least loaded. */
  record DefaultPolicy() implements Placement {}

  /** Spread over the nodes that can run it. */
  record Spread() implements Placement {}

  /**
   * On one node.
   *
   * @param nodeId the node's id
   * @param soft whether another node may be used when that one cannot run it
   */
  record NodeAffinity(String nodeId, boolean soft) implements Placement {

    /**
     * Checks the node id.
     *
     * @param nodeId the node's id
     * @param soft whether another node may be used
     */
    public NodeAffinity {
      Objects.requireNonNull(nodeId, "nodeId");
    }
  }

  /**
   * In a placement group's bundle.
   *
   * @param groupId the group's id in hex
   * @param bundleIndex the bundle, 0-based, or -1 for any bundle of the group
   * @param bundleNodeIds the node of each bundle as last known (empty while it is not created)
   */
  record Bundle(String groupId, int bundleIndex, List<String> bundleNodeIds) implements Placement {

    /**
     * Checks and copies the parts.
     *
     * @param groupId the group's id
     * @param bundleIndex the bundle
     * @param bundleNodeIds the known nodes per bundle
     */
    public Bundle {
      Objects.requireNonNull(groupId, "groupId");
      bundleNodeIds = List.copyOf(bundleNodeIds);
    }
  }

  /** The default policy, shared. */
  Placement DEFAULT = new DefaultPolicy();

  /** Spread, shared. */
  Placement SPREAD = new Spread();
}
