package dev.prism;

import dev.prism.runtime.spi.Placement;
import java.util.Objects;

/**
 * Where a task or an actor should run, as Ray's scheduling strategies: the default policy (pack
 * onto the caller's node, then spread to the least loaded, preferring the node that holds most of
 * the arguments' bytes), spread over the nodes, a given node, or a placement group's bundle. Set it
 * with {@link TaskCaller#setSchedulingStrategy} or {@link ActorCreator#setSchedulingStrategy}.
 */
public final class SchedulingStrategy {

  private static final SchedulingStrategy DEFAULT =
      new SchedulingStrategy(Placement.DEFAULT, "default");
  private static final SchedulingStrategy SPREAD =
      new SchedulingStrategy(Placement.SPREAD, "spread");

  private final Placement placement;
  private final String description;
  private final PlacementGroup group;
  private final int bundleIndex;

  private SchedulingStrategy(Placement placement, String description) {
    this(placement, description, null, -1);
  }

  private SchedulingStrategy(
      Placement placement, String description, PlacementGroup group, int bundleIndex) {
    this.placement = placement;
    this.description = description;
    this.group = group;
    this.bundleIndex = bundleIndex;
  }

  /**
   * The default policy.
   *
   * @return it
   */
  public static SchedulingStrategy defaultStrategy() {
    return DEFAULT;
  }

  /**
   * Spreads tasks or actors over the nodes that can run them (Ray's {@code "SPREAD"}).
   *
   * @return the strategy
   */
  public static SchedulingStrategy spread() {
    return SPREAD;
  }

  /**
   * Runs on one node (Ray's {@code NodeAffinitySchedulingStrategy}). Hard affinity waits for that
   * node; while it is unknown or dead, or can never fit the request, the request is infeasible: the
   * driver warns once, {@code prism status} lists it, and the task stays pending until the node is
   * there or the task is cancelled (unlike Ray, which fails it). Soft affinity runs elsewhere when
   * that node cannot.
   *
   * @param nodeId the node's id (see {@link RuntimeContext#nodeId()})
   * @param soft whether another node may be used when that one cannot run it
   * @return the strategy
   * @throws IllegalArgumentException if the node id is blank
   */
  public static SchedulingStrategy nodeAffinity(String nodeId, boolean soft) {
    if (Objects.requireNonNull(nodeId, "nodeId").isBlank()) {
      throw new IllegalArgumentException("the node id is blank");
    }
    return new SchedulingStrategy(
        new Placement.NodeAffinity(nodeId, soft),
        "node affinity to " + nodeId + (soft ? " (soft)" : ""));
  }

  /**
   * Runs in a placement group's bundle, on that bundle's node, using the bundle's resources (Ray's
   * {@code PlacementGroupSchedulingStrategy}). Submit once the group is ready (see {@link
   * PlacementGroup#waitUntilReady}); until then the node managers refuse the lease and the task or
   * actor stays pending.
   *
   * @param group the group
   * @param bundleIndex the bundle, 0-based, or -1 for any bundle of the group
   * @return the strategy
   * @throws IllegalArgumentException if the index is out of range
   */
  public static SchedulingStrategy placementGroup(PlacementGroup group, int bundleIndex) {
    Objects.requireNonNull(group, "group");
    if (bundleIndex < -1 || bundleIndex >= group.bundleCount()) {
      throw new IllegalArgumentException(
          "bundle index "
              + bundleIndex
              + " is out of range for"
              + " placement group "
              + group.id()
              + " with "
              + group.bundleCount()
              + " bundle(s); give"
              + " 0.."
              + (group.bundleCount() - 1)
              + ", or -1 for any bundle");
    }
    return new SchedulingStrategy(
        Placement.DEFAULT,
        "placement group "
            + group.id()
            + (bundleIndex < 0 ? " (any bundle)" : " bundle " + bundleIndex),
        group,
        bundleIndex);
  }

  /**
   * Runs in any bundle of a placement group.
   *
   * @param group the group
   * @return the strategy
   * @throws NullPointerException if the group is null
   */
  public static SchedulingStrategy placementGroup(PlacementGroup group) {
    return placementGroup(group, -1);
  }

  /** What the runtime is asked for; for a placement group, with its bundles' known nodes. */
  Placement placement() {
    return group != null ? group.bundlePlacement(bundleIndex) : placement;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SchedulingStrategy s
        && s.placement.equals(placement)
        && Objects.equals(s.group, group)
        && s.bundleIndex == bundleIndex;
  }

  @Override
  public int hashCode() {
    return placement.hashCode() * 31 + Objects.hashCode(group) + bundleIndex;
  }

  @Override
  public String toString() {
    return "SchedulingStrategy(" + description + ")";
  }
}
