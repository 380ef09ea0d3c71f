package dev.prism.scheduler;

import java.util.List;
import java.util.Objects;

/**
 * A placement group to reserve: its id, bundles (bundle i is {@code bundles.get(i)}), strategy and
 * an optional label selector every bundle's node must match.
 *
 * @param id the group id
 * @param bundles the bundles, at least one, none empty
 * @param strategy the placement strategy
 * @param labelSelector node constraints for every bundle
 */
public record PlacementGroupSpec(
    PlacementGroupId id,
    List<ResourceRequest> bundles,
    PlacementStrategy strategy,
    LabelSelector labelSelector) {
  /**
   * Validates the spec.
   *
   * @throws InvalidResourceException if there are no bundles or a bundle is empty
   */
  public PlacementGroupSpec {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(strategy, "strategy");
    bundles = List.copyOf(bundles);
    labelSelector = labelSelector == null ? LabelSelector.any() : labelSelector;
    if (bundles.isEmpty()) {
      throw new InvalidResourceException(
          "placement group " + id + " has no bundles; give at least one bundle of resources");
    }
    for (int i = 0; i < bundles.size(); i++) {
      if (bundles.get(i).resources().isEmpty()) {
        throw new InvalidResourceException(
            "placement group "
                + id
                + " bundle "
                + i
                + " is empty; give every bundle at least one resource (e.g. CPU=1)");
      }
    }
  }

  /**
   * Creates a spec without label constraints.
   *
   * @param id the group id
   * @param strategy the strategy
   * @param bundles the bundles' resources
   * @return the spec
   */
  public static PlacementGroupSpec of(
      PlacementGroupId id, PlacementStrategy strategy, List<ResourceSet> bundles) {
    return new PlacementGroupSpec(
        id, bundles.stream().map(ResourceRequest::of).toList(), strategy, null);
  }

  /**
   * Returns the id of bundle {@code index}.
   *
   * @param index the bundle index
   * @return the bundle id
   */
  public BundleId bundleId(int index) {
    return new BundleId(id, index);
  }

  /**
   * Returns the sum of all bundles.
   *
   * @return the total demand
   */
  public ResourceSet totalDemand() {
    ResourceSet s = ResourceSet.empty();
    for (ResourceRequest b : bundles) {
      s = s.plus(b.resources());
    }
    return s;
  }
}
