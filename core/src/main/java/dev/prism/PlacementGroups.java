package dev.prism;

import dev.prism.runtime.spi.PlacementGroupSnapshot;
import dev.prism.runtime.spi.Runtimes;
import dev.prism.scheduler.InvalidResourceException;
import dev.prism.scheduler.ResourceSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Creates, finds and removes {@link PlacementGroup}s (Ray's {@code placement_group} API). Creation
 * returns at once with a PENDING group; the cluster reserves its bundles in the background
 * (prepared on every chosen node, then committed) and retries while resources are short. A group no
 * cluster node can hold (e.g. STRICT_SPREAD over more bundles than nodes) stays PENDING with the
 * reason until nodes that fit it join. Groups a driver created are removed when it shuts down.
 */
public final class PlacementGroups {

  private PlacementGroups() {}

  /**
   * Creates a placement group.
   *
   * @param bundles the bundles, each a map of resource name to amount (e.g. {@code CPU=1})
   * @param strategy how to spread the bundles over nodes
   * @return the group, PENDING until it is reserved (see {@link PlacementGroup#waitUntilReady})
   * @throws IllegalArgumentException if there are no bundles, a bundle is empty, or an amount is
   *     negative or not finite
   * @throws PrismException if Prism is not initialized
   */
  public static PlacementGroup create(
      List<Map<String, Double>> bundles, PlacementStrategy strategy) {
    return create("", bundles, strategy);
  }

  /**
   * Creates a named placement group (the name is unique in the job's namespace while the group
   * exists).
   *
   * @param name the name, or empty for none
   * @param bundles the bundles, each a map of resource name to amount
   * @param strategy how to spread the bundles over nodes
   * @return the group
   * @throws IllegalArgumentException on bad bundles or strategy, or when the name is taken
   * @throws PrismException if Prism is not initialized
   */
  public static PlacementGroup create(
      String name, List<Map<String, Double>> bundles, PlacementStrategy strategy) {
    Objects.requireNonNull(bundles, "bundles");
    Objects.requireNonNull(strategy, "strategy");
    if (bundles.isEmpty()) {
      throw new IllegalArgumentException(
          "a placement group needs at least one bundle, e.g." + " List.of(Map.of(\"CPU\", 1.0))");
    }
    List<Map<String, Double>> copies = new ArrayList<>();
    for (int i = 0; i < bundles.size(); i++) {
      copies.add(checkedBundle(i, bundles.get(i)));
    }
    PlacementGroupSnapshot created =
        Runtimes.get().createPlacementGroup(name == null ? "" : name, copies, strategy);
    return new PlacementGroup(created, copies);
  }

  /** Checks one bundle and returns an unmodifiable copy of it, in the order given. */
  private static Map<String, Double> checkedBundle(int i, Map<String, Double> b) {
    if (b == null) {
      throw new NullPointerException("bundles[" + i + "]");
    }
    if (b.isEmpty()) {
      throw new IllegalArgumentException(
          "bundle "
              + i
              + " is empty; give every bundle at least"
              + " one resource, e.g. Map.of(\"CPU\", 1.0)");
    }
    boolean asksForSome = false;
    for (Map.Entry<String, Double> e : b.entrySet()) {
      if (e.getKey() == null) {
        throw new NullPointerException("bundles[" + i + "] has a null resource name");
      }
      if (e.getValue() == null) {
        throw new NullPointerException("bundles[" + i + "][" + e.getKey() + "] is null");
      }
    }
    for (Map.Entry<String, Double> e : new TreeMap<>(b).entrySet()) {
      Double v = e.getValue();
      if (e.getKey().isBlank() || !Double.isFinite(v) || v < 0) {
        throw new IllegalArgumentException(
            "bundle "
                + i
                + " asks for "
                + e.getKey()
                + "="
                + v
                + "; give a resource name and a finite amount of 0 or more");
      }
      try {
        ResourceSet.of(e.getKey(), v);
      } catch (InvalidResourceException bad) {
        throw new IllegalArgumentException("bundle " + i + ": " + bad.getMessage(), bad);
      }
      asksForSome |= v > 0;
    }
    if (!asksForSome) {
      throw new IllegalArgumentException(
          "bundle "
              + i
              + " "
              + b
              + " asks for nothing; give"
              + " every bundle a positive amount of some resource");
    }
    return Collections.unmodifiableMap(new LinkedHashMap<>(b));
  }

  /**
   * Removes a placement group: its bundles go back to their nodes, workers running in them are
   * stopped, and new tasks or actors into it are refused. Idempotent.
   *
   * @param group the group
   * @throws NullPointerException if the group is null
   */
  public static void remove(PlacementGroup group) {
    Runtimes.get().removePlacementGroup(Objects.requireNonNull(group, "group").id());
  }

  /**
   * Finds a placement group by id.
   *
   * @param id the id ({@link PlacementGroup#id()})
   * @return the group, or empty when the cluster does not know it (or it was removed)
   */
  public static Optional<PlacementGroup> get(String id) {
    Objects.requireNonNull(id, "id");
    return Runtimes.get().placementGroup(id).map(PlacementGroups::handle);
  }

  /**
   * Finds a placement group by name in this job's namespace.
   *
   * @param name the name
   * @return the group, or empty when none has that name
   */
  public static Optional<PlacementGroup> getByName(String name) {
    if (Objects.requireNonNull(name, "name").isBlank()) {
      throw new IllegalArgumentException("the placement group name is blank");
    }
    return Runtimes.get().placementGroupByName(name).map(PlacementGroups::handle);
  }

  private static PlacementGroup handle(PlacementGroupSnapshot found) {
    return new PlacementGroup(found, found.bundles());
  }
}
