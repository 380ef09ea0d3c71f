package dev.prism.runtime.spi;

import dev.prism.PlacementGroup;
import dev.prism.PlacementStrategy;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A placement group as the cluster reported it at one moment.
 *
 * @param id the group's id in hex
 * @param name its name, empty when it has none
 * @param strategy how its bundles are spread
 * @param bundles each bundle's resources, in bundle order
 * @param state where it is in its life
 * @param pendingReason why it is pending (empty unless {@link PlacementGroup.State#PENDING})
 * @param bundleNodeIds the node of each bundle; empty while it is not created
 */
public record PlacementGroupSnapshot(
    String id,
    String name,
    PlacementStrategy strategy,
    List<Map<String, Double>> bundles,
    PlacementGroup.State state,
    String pendingReason,
    List<String> bundleNodeIds) {

  /**
   * Checks and copies the parts.
   *
   * @param id the id
   * @param name the name
   * @param strategy the strategy
   * @param bundles the bundles
   * @param state the state
   * @param pendingReason the pending reason
   * @param bundleNodeIds the nodes per bundle
   */
  public PlacementGroupSnapshot {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(strategy, "strategy");
    bundles =
        bundles.stream().map(b -> Collections.unmodifiableMap(new LinkedHashMap<>(b))).toList();
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(pendingReason, "pendingReason");
    bundleNodeIds = List.copyOf(bundleNodeIds);
  }

  /**
   * The same group, removed: its bundles no longer have nodes.
   *
   * @return the removed snapshot
   */
  public PlacementGroupSnapshot removed() {
    return new PlacementGroupSnapshot(
        id, name, strategy, bundles, PlacementGroup.State.REMOVED, "", List.of());
  }
}
